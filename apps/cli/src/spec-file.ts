/** Reads and validates a spec file, printing located errors. Synchronous: gen runs it in worker threads. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { dottedPath, formatSpecError, type LoadResult, loadSpec, type Spec } from '@hagate/spec';
import { type GeneratedFile, SynthError, synth } from '@hagate/synth';
import { CliError } from './errors.js';

export function readSpec(file: string): Extract<LoadResult, { ok: true }> {
  if (file === '') throw new CliError('--spec: expected a spec file name, found an empty string', 2);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'EISDIR: a folder; expected a spec file such as hagate.yaml' : code;
    throw new CliError(`${file}: cannot read the spec (${why ?? String(e)})`);
  }
  const r = loadSpec(text, file);
  if (!r.ok) {
    throw new CliError(
      `${r.errors.map(formatSpecError).join('\n')}\n${file}: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, nothing written`,
    );
  }
  return r;
}

/**
 * Runs synth and turns its errors into located CLI errors. `source` is how the generated headers name the
 * spec (gen: its path relative to the output folder, so the bytes do not depend on the working directory).
 */
export function synthOrExplain(
  loaded: Extract<LoadResult, { ok: true }>,
  file: string,
  agentBundle: Uint8Array | undefined,
  source = file,
): GeneratedFile[] {
  // Files the spec refers to are read here, relative to the spec, so synth itself stays pure.
  const existingDomainXml: Record<string, string> = {};
  for (const [name, router] of Object.entries(loaded.spec.routers)) {
    if (router.existingDomainXml === undefined) continue;
    const path = resolve(dirname(file), router.existingDomainXml);
    try {
      existingDomainXml[name] = readFileSync(path, 'utf8');
    } catch (e) {
      const at = loaded.locate(['routers', name, 'existingDomainXml']);
      throw new CliError(
        `${file}:${at.line}:${at.col}: routers.${name}.existingDomainXml: expected a readable virsh dumpxml file, found ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})\n${file}: 1 error, nothing written`,
      );
    }
  }
  try {
    return synth({
      spec: loaded.spec as Spec,
      source,
      existingDomainXml,
      ...(agentBundle ? { agentBundle } : {}),
    });
  } catch (e) {
    if (e instanceof SynthError) {
      const at = loaded.locate(e.path, e.offset);
      throw new CliError(
        `${file}:${at.line}:${at.col}: ${dottedPath(e.path)}: ${e.message}\n${file}: 1 error, nothing written`,
      );
    }
    // A spec that passed validation and still cannot be generated: a rule is missing in @hagate/spec.
    throw new CliError(
      `${file}: hagate cannot generate this spec: ${oneLine(e)} (please report it: the spec's validation should have said so)\n${file}: 1 error, nothing written`,
    );
  }
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? `${e.message}` : String(e);
  return m.split('\n').filter(Boolean).join(' ');
}
