// The studio's sentence for PROTOCOL.md §4.14 (the bridge skipped a resent backlog on air so listeners
// stay live): pure text, shown by studio-health.ts from the uplink's last `live-edge`.

export function describeLiveEdge(skippedMs: number): string {
  return `${(skippedMs / 1000).toFixed(1)} s of the cut were skipped on air to keep listeners live; the recording has all of it.`;
}
