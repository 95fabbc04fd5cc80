// Which mainline kernel each distribution generation ships. The queue rules follow the kernel
// version (kernel.md §1.1, §4); sysctl defaults do not differ between these distributions except
// through the kernel (net.core.somaxconn 128 before 5.4, 4096 since). Vendor kernels carry
// backports kernel.md does not cover, so results for them are the mainline rule for that version.

export interface Distro {
  id: string;
  name: string;
  kernel: string;
  aliases: string[];
}

export const DISTROS: readonly Distro[] = [
  { id: 'rhel7', name: 'RHEL 7', kernel: '3.10', aliases: ['centos7', 'el7'] },
  { id: 'rhel8', name: 'RHEL 8', kernel: '4.18', aliases: ['centos8', 'el8', 'rocky8', 'alma8'] },
  { id: 'rhel9', name: 'RHEL 9', kernel: '5.14', aliases: ['el9', 'rocky9', 'alma9'] },
  { id: 'ubuntu18.04', name: 'Ubuntu 18.04', kernel: '4.15', aliases: ['bionic'] },
  { id: 'ubuntu20.04', name: 'Ubuntu 20.04', kernel: '5.4', aliases: ['focal'] },
  { id: 'ubuntu22.04', name: 'Ubuntu 22.04', kernel: '5.15', aliases: ['jammy'] },
  { id: 'ubuntu24.04', name: 'Ubuntu 24.04', kernel: '6.8', aliases: ['noble'] },
  { id: 'debian10', name: 'Debian 10', kernel: '4.19', aliases: ['buster'] },
  { id: 'debian11', name: 'Debian 11', kernel: '5.10', aliases: ['bullseye'] },
  { id: 'debian12', name: 'Debian 12', kernel: '6.1', aliases: ['bookworm'] },
  { id: 'debian13', name: 'Debian 13', kernel: '6.12', aliases: ['trixie'] },
];

// "ubuntu-22.04", "Ubuntu2204", "RHEL8" and "rhel-8" all name the same thing.
function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function findDistro(name: string): Distro | undefined {
  const wanted = squash(name);
  return DISTROS.find((d) => squash(d.id) === wanted || d.aliases.some((a) => squash(a) === wanted));
}
