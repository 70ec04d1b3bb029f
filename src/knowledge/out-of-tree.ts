// Widely deployed kernel modules that are built outside the kernel tree (proprietary or out-of-tree), by
// vendor family. A report often lacks the `Modules linked in:` line that would carry their taint flags
// (excerpts, pastes that stop at the trace); the module's name on a frame then still says whose code it is.
// Families are one vendor: ZFS's zfs, spl, zcommon, znvpair ... are one suspect, not six.

export interface ModuleFamily {
  vendor: string;
  /** Exact module names. */
  names: readonly string[];
  /** Name prefixes that belong to the family (`nvidia_` covers nvidia_drm, nvidia_uvm ...). */
  prefixes?: readonly string[];
}

export const OUT_OF_TREE_FAMILIES: readonly ModuleFamily[] = [
  { vendor: 'OpenZFS', names: ['zfs', 'spl', 'zcommon', 'znvpair', 'zavl', 'zunicode', 'zlua', 'zzstd', 'icp', 'zpios', 'splat'] },
  { vendor: 'NVIDIA', names: ['nvidia', 'nvidia_drm', 'nvidia_modeset', 'nvidia_uvm', 'nvidia_peermem', 'nvidia_fs', 'nv_peer_mem', 'gdrdrv'], prefixes: ['nvidia_'] },
  { vendor: 'VirtualBox', names: ['vboxdrv', 'vboxnetflt', 'vboxnetadp', 'vboxpci'] },
  { vendor: 'VMware Workstation', names: ['vmmon', 'vmnet'] },
  { vendor: 'Parallels', names: ['prl_fs', 'prl_fs_freeze', 'prl_tg', 'prl_eth', 'prl_vid'] },
  { vendor: 'AMD ROCm/PRO', names: ['amdkcl'] },
  { vendor: 'Broadcom wl', names: ['wl'] },
  { vendor: 'Lustre', names: ['lustre', 'lnet', 'libcfs', 'ptlrpc', 'obdclass', 'osc', 'mdc', 'lmv', 'lov', 'fid', 'fld', 'mgc', 'ksocklnd', 'ko2iblnd'] },
  { vendor: 'BeeGFS', names: ['beegfs'] },
  { vendor: 'IBM Spectrum Scale', names: ['mmfs26', 'mmfslinux', 'tracedev'] },
  { vendor: 'Veeam', names: ['veeamsnap', 'veeamblksnap', 'blksnap'] },
  { vendor: 'CrowdStrike / security agents', names: ['falcon_lsm_serviceable', 'falcon_nf_netcontain', 'falcon_kal'] },
  { vendor: 'LKRG', names: ['lkrg', 'p_lkrg'] },
  { vendor: 'ipt-netflow', names: ['ipt_NETFLOW'] },
  { vendor: 'xtables-addons', names: ['xt_ratelimit', 'xt_geoip', 'xt_TARPIT', 'xt_DELUDE', 'xt_CHAOS', 'xt_pknock', 'compat_xtables'] },
  { vendor: 'Tempesta FW', names: ['tempesta_fw', 'tempesta_tls', 'tempesta_db', 'tempesta_lib'] },
  { vendor: 'v4l2loopback', names: ['v4l2loopback'] },
  { vendor: 'DKMS Realtek wifi', names: ['8192eu', '8192cu', '8188eu', '8812au', '8821au', '8814au', '88x2bu', '8821cu', '8723du', '8723bu', '8852au', 'rtl8812au', 'rtl88x2bu', 'rtl8821ce', 'rtl8192eu'] },
  { vendor: 'cryptodev-linux', names: ['cryptodev'] },
  { vendor: 'Lunatik', names: ['lunatik'], prefixes: ['lunatik_'] },
  { vendor: 'DRBD 9', names: ['drbd_transport_tcp', 'drbd_transport_rdma'] },
  { vendor: 'Sysdig/Falco', names: ['scap', 'sysdig_probe', 'falco'] },
];

const BY_NAME = new Map<string, ModuleFamily>();
for (const f of OUT_OF_TREE_FAMILIES) for (const n of f.names) BY_NAME.set(n, f);

/** The out-of-tree family a module name belongs to, or null. */
export function outOfTreeFamily(name: string): ModuleFamily | null {
  const f = BY_NAME.get(name);
  if (f) return f;
  for (const fam of OUT_OF_TREE_FAMILIES) if (fam.prefixes?.some((p) => name.startsWith(p))) return fam;
  return null;
}

// Modules of the kernel tree that often have code on crash stacks. A kernel tainted by some other module
// (zfs loaded beside kvm) does not make these third-party: only their own module flags would. Hand-written
// (no package lists module names); names follow the kernel's Makefiles.
const IN_TREE = new Set([
  'kvm', 'kvm_intel', 'kvm_amd', 'vhost', 'vhost_net', 'vfio', 'vfio_pci', 'vfio_iommu_type1', 'irqbypass',
  'parport', 'parport_pc', 'ppdev', 'lp', 'serio_raw', 'i2c_piix4', 'i2c_i801', 'pcspkr', 'joydev', 'evdev', 'psmouse',
  'ext4', 'ext3', 'ext2', 'jbd2', 'jbd', 'mbcache', 'xfs', 'btrfs', 'f2fs', 'vfat', 'fat', 'msdos', 'exfat', 'ntfs3',
  'isofs', 'udf', 'squashfs', 'overlay', 'fuse', 'nfs', 'nfsv3', 'nfsv4', 'nfsd', 'lockd', 'sunrpc', 'grace',
  'auth_rpcgss', 'cifs', 'ceph', 'libceph', 'rbd', 'gfs2', 'ocfs2', 'bcachefs', 'dm_mod', 'dm_crypt', 'dm_thin_pool',
  'dm_multipath', 'md_mod', 'raid1', 'raid10', 'raid456', 'loop', 'nbd', 'zram', 'nvme', 'nvme_core', 'nvme_fabrics',
  'nvme_tcp', 'nvme_rdma', 'ahci', 'libahci', 'libata', 'sd_mod', 'sr_mod', 'sg', 'scsi_mod', 'usb_storage', 'uas',
  'virtio_blk', 'virtio_net', 'virtio_scsi', 'virtio_pci', 'virtio_ring', 'virtio', 'xen_blkfront', 'xen_netfront',
  'hv_vmbus', 'hv_netvsc', 'hv_storvsc', 'vmw_vmci', 'vmw_pvscsi', 'vmxnet3', 'vmwgfx',
  'drm', 'drm_kms_helper', 'ttm', 'i915', 'xe', 'amdgpu', 'radeon', 'nouveau', 'ast', 'mgag200', 'qxl', 'bochs',
  'virtio_gpu', 'cirrus', 'snd', 'snd_pcm', 'snd_hda_intel', 'snd_hda_codec', 'snd_hda_core', 'snd_usb_audio',
  'soundcore', 'videodev', 'uvcvideo', 'videobuf2_common', 'mc', 'media', 'bluetooth', 'btusb', 'btintel',
  'cfg80211', 'mac80211', 'iwlwifi', 'iwlmvm', 'iwldvm', 'ath9k', 'ath10k_core', 'ath10k_pci', 'ath11k', 'ath11k_pci',
  'ath12k', 'mt76', 'mt7921e', 'mt7921_common', 'rtw88_core', 'rtw88_pci', 'rtw88_usb', 'rtw89_core', 'rtw89_pci',
  'rtl8xxxu', 'brcmfmac', 'brcmutil', 'e1000', 'e1000e', 'igb', 'igc', 'ixgbe', 'i40e', 'ice', 'r8169', 'tg3', 'bnxt_en',
  'mlx4_core', 'mlx4_en', 'mlx5_core', 'mlx5_ib', 'ib_core', 'rdma_cm', 'ib_uverbs', 'bonding', 'bridge', 'stp', 'llc',
  '8021q', 'macvlan', 'vxlan', 'geneve', 'tun', 'veth', 'wireguard', 'openvswitch', 'nf_conntrack', 'nf_nat',
  'nf_tables', 'nfnetlink', 'x_tables', 'ip_tables', 'ip6_tables', 'iptable_filter', 'iptable_nat', 'xt_conntrack',
  'br_netfilter', 'sctp', 'tipc', 'l2tp_core', 'ppp_generic', 'xhci_hcd', 'xhci_pci', 'ehci_hcd', 'ohci_hcd',
  'usbcore', 'usbhid', 'hid', 'hid_generic', 'i2c_core', 'thermal', 'intel_rapl_common', 'intel_powerclamp',
  'coretemp', 'acpi_cpufreq', 'crc32c_intel', 'aesni_intel', 'cryptd', 'libcrc32c', 'zstd_compress',
]);

/** True for a module name of the kernel tree that commonly shows on crash stacks. */
export function isInTreeModule(name: string): boolean {
  return IN_TREE.has(name);
}
