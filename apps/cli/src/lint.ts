/**
 * `hagate lint`: the spec's own rules (every error located in the spec), then the generated pair through
 * the keepalived linter (each router, and the two against each other), the boot-time NIC rule of the
 * interfaces files and nft's grammar over every ruleset. Nothing is written, no real tool is run (that is
 * `hagate check`): each line names the check it ran, and only that check.
 */
import {
  addressesByInterface,
  bringsUpAtBoot,
  parseInterfaces,
  readAddresses,
} from '@hagate/debian-interfaces';
import { type Diagnostic, formatDiagnostic, lint, lintPair, tryParse } from '@hagate/keepalived-config';
import { tryParse as parseNft } from '@hagate/nftables-parser';
import { routerNames } from '@hagate/spec';
import { readSpec, synthOrExplain } from './spec-file.js';

export interface LintResult {
  subject: string;
  /** What was checked, e.g. `keepalived-lint`. */
  check: string;
  diagnostics: string[];
  failed: boolean;
}

export async function lintSpec(specFile: string, out: string): Promise<LintResult[]> {
  const loaded = readSpec(specFile);
  const files = synthOrExplain(loaded, specFile, undefined);
  const text = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f || typeof f.contents !== 'string') throw new Error(`synth produced no ${path}`);
    return f.contents;
  };
  const results: LintResult[] = [
    { subject: specFile, check: 'spec schema and cross-field rules', diagnostics: [], failed: false },
  ];
  const configs = [];
  for (const router of routerNames(loaded.spec)) {
    const ifPath = `${router}/etc/network/interfaces`;
    const ifaces = parseInterfaces(text(ifPath), { file: `${out}/${ifPath}` });
    // The one interfaces(5) address reader of the project (netmask, templates, as ifquery reads them).
    const report = readAddresses(ifaces, { file: `${out}/${ifPath}` });
    const addresses = addressesByInterface(report, 'inet');
    for (const [name, v6] of Object.entries(addressesByInterface(report, 'inet6')))
      addresses[name] = [...(addresses[name] ?? []), ...v6];
    const atBoot = bringsUpAtBoot(ifaces, loaded.spec.external.nic);
    results.push({
      subject: `${out}/${ifPath}`,
      check: `external NIC ${loaded.spec.external.nic} not brought up at boot`,
      diagnostics: atBoot.map(
        (a) =>
          `${out}/${ifPath}:${a.loc?.line ?? 1}:1: error external NIC ${loaded.spec.external.nic} is brought up at boot by "${a.keyword} ${a.name}" (fix: only hagate-agent may raise it, on the MASTER)`,
      ),
      failed: atBoot.length > 0,
    });

    const kaPath = `${router}/etc/keepalived/keepalived.conf`;
    const parsed = tryParse(text(kaPath), { file: `${out}/${kaPath}` });
    const diags: Diagnostic[] = [...parsed.diagnostics, ...lint(parsed.file, { interfaces: addresses })];
    configs.push(parsed.file);
    results.push(summarize(`${out}/${kaPath}`, 'keepalived-lint', diags));

    for (const f of files) {
      if (!f.path.startsWith(`${router}/etc/nftables`) || typeof f.contents !== 'string') continue;
      const parsed = parseNft(f.contents, { file: `${out}/${f.path}`, strict: true });
      results.push({
        subject: `${out}/${f.path}`,
        check: 'nft grammar (hagate check loads it for real)',
        diagnostics: parsed.ok ? [] : [parsed.error.message],
        failed: !parsed.ok,
      });
    }
  }
  if (configs.length === 2) {
    results.push(
      summarize(
        `${configs[0]!.file} + ${configs[1]!.file}`,
        'keepalived-lint, the pair',
        lintPair(configs[0]!, configs[1]!),
      ),
    );
  }
  return results;
}

function summarize(subject: string, check: string, diags: Diagnostic[]): LintResult {
  return {
    subject,
    check,
    diagnostics: diags.map(formatDiagnostic),
    failed: diags.some((d) => d.severity === 'error'),
  };
}
