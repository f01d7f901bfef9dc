// A recording's status as the three steps a person cares about — recorded → stored → verified —
// each done, in progress, not yet, or failed (the step where a failed recording stopped). Pure.
import type { RecordingItem } from './api/api-types.ts';

export type StepState = 'done' | 'active' | 'pending' | 'failed';
export interface PipelineStep { name: 'recorded' | 'stored' | 'verified'; state: StepState }

export function recordingPipeline(item: Pick<RecordingItem, 'status' | 'storeLocation' | 'sha256' | 'sizeBytes'>): PipelineStep[] {
  const steps = (recorded: StepState, stored: StepState, verified: StepState): PipelineStep[] => [
    { name: 'recorded', state: recorded }, { name: 'stored', state: stored }, { name: 'verified', state: verified },
  ];
  switch (item.status) {
    case 'recording': return steps('active', 'pending', 'pending');
    case 'finalizing': return steps('done', 'active', 'pending');
    case 'uploaded': return steps('done', 'done', 'active');
    case 'verified':
    case 'verified_with_gaps': return steps('done', 'done', 'done');
    case 'failed':
      // Stored but not verified; finalized (a size and digest) but not stored; or lost while recording.
      if (item.storeLocation) return steps('done', 'done', 'failed');
      if (item.sha256 || item.sizeBytes) return steps('done', 'failed', 'pending');
      return steps('failed', 'pending', 'pending');
  }
}

/** A status in words: "verified", "verified with gaps", "failed". */
export function statusLabel(status: RecordingItem['status']): string {
  return status.replace(/_/g, ' ');
}

/** Recordings grouped by groupId (fragments of one show), in the list's order (newest first). */
export function groupRecordings(items: readonly RecordingItem[]): RecordingItem[][] {
  const groups = new Map<string, RecordingItem[]>();
  for (const item of items) {
    const key = item.groupId || item.showId;
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
