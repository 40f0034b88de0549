/**
 * Measurement schedules shared by rows: alternating samples of competing commands, and runs sized
 * from a probe so each lasts a few seconds whatever the machine's speed.
 */

/**
 * Runs every sampler once per round, in order, for `rounds` rounds; returns each one's samples.
 * Alternating (a, b, a, b…) rather than batching (a×n, then b×n) spreads any drift on a shared
 * machine over both sides evenly.
 */
export async function interleave<K extends string>(samplers: Record<K, () => Promise<number>>, rounds: number): Promise<Record<K, number[]>> {
  const keys = Object.keys(samplers) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++) for (const k of keys) samples[k].push(await samplers[k]());
  return samples;
}

export interface Sizing {
  /** operations in the probe run */
  probeN: number;
  /** how long the real run should last */
  seconds: number;
  /** a ceiling on the real run, whatever the probe says */
  maxN: number;
}

export interface SizedRun<T extends { rate: number }> {
  result: T;
  n: number;
}

/**
 * Measures a rate with a run long enough to mean something but bounded: a probe of `probeN`
 * (which doubles as warm-up) gives the rate, then the real run gets rate × `seconds` operations,
 * kept within [probeN, maxN].
 */
export async function sizedRun<T extends { rate: number }>(
  measure: (n: number) => Promise<T>,
  opts: Sizing,
): Promise<SizedRun<T>> {
  const probe = await measure(opts.probeN);
  const n = Math.round(Math.min(opts.maxN, Math.max(opts.probeN, probe.rate * opts.seconds)));
  return { result: await measure(n), n };
}
