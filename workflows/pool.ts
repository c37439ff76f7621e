// Runs work over items with at most `parallelism` at once, in the items' order. Deterministic:
// plain promises, no timers, so it is safe in workflow code.
export async function runBounded<T>(items: readonly T[], parallelism: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const laneCount = Math.max(1, Math.min(Math.floor(parallelism) || 1, items.length));
  const lanes = Array.from({ length: laneCount }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await run(item);
    }
  });
  await Promise.all(lanes);
}
