/**
 * @hagate/synth: a validated spec in, every generated file out. Pure: no disk, no clock, no randomness, so
 * the same spec always gives the same bytes.
 */
import { synthAgent } from './agent.js';
import { synthAnsible } from './ansible.js';
import { synthConntrackd } from './conntrackd.js';
import { SynthError } from './errors.js';
import { synthInterfaces } from './interfaces.js';
import { synthKeepalived } from './keepalived.js';
import { synthLibvirt } from './libvirt.js';
import { synthLinks } from './links.js';
import { synthMetricsTimer } from './metrics-timer.js';
import { synthNftables } from './nftables.js';
import { synthRadvd } from './radvd.js';
import { synthSystemd } from './systemd.js';
import type { GeneratedFile, SynthInput } from './types.js';

export { type AnsiblePair, ansibleCommonFiles, ansibleHostVars } from './ansible.js';
export { SynthError } from './errors.js';
export { type GeneratedFile, generatedMarker, type SynthInput } from './types.js';

/** Every generator of the output tree, one per kind of artifact. */
const generators: ((input: SynthInput) => GeneratedFile[])[] = [
  synthInterfaces,
  synthKeepalived,
  synthNftables,
  synthSystemd,
  synthLinks,
  synthConntrackd,
  synthRadvd,
  synthAgent,
  synthLibvirt,
  synthMetricsTimer,
];

/** All files of the output tree, sorted by path. Throws SynthError for a spec value it cannot render. */
export function synth(input: SynthInput): GeneratedFile[] {
  const files = generators.flatMap((g) => g(input));
  // The Ansible inventory lists each router's files (mode, checksum): it comes last.
  files.push(...synthAnsible(input, files));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new SynthError([], `two generators produced ${f.path}`);
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw new SynthError([], `generated path must stay inside the output tree, found ${f.path}`);
    }
    seen.add(f.path);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
