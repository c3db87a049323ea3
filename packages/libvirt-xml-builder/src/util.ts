/** Helpers for comparing and normalising models. */
import type { Memory } from './model.js';

const FACTORS: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  KB: 1000 / 1024,
  k: 1,
  KiB: 1,
  MB: 1e6 / 1024,
  M: 1024,
  MiB: 1024,
  GB: 1e9 / 1024,
  G: 1024 ** 2,
  GiB: 1024 ** 2,
  TB: 1e12 / 1024,
  T: 1024 ** 3,
  TiB: 1024 ** 3,
};

/** A memory size in KiB (libvirt's unit when none is given), rounded up like libvirt does. */
export function toKiB(m: Memory): number {
  return Math.ceil(m.value * (FACTORS[m.unit ?? 'KiB'] ?? 1));
}

/** A deep copy of a model without the `xml` / `prolog` / `epilog` source fields: only what the model says. */
export function withoutSource<T>(model: T): T {
  return JSON.parse(
    JSON.stringify(model, (k, v) => (k === 'xml' || k === 'prolog' || k === 'epilog' ? undefined : v)),
  ) as T;
}
