/** What the sequencer reads of a test: its path, and whether Jest keeps timings for its project. */
export interface SequencedTest {
  path: string;
  duration?: number;
  context: { config: { cache: boolean; cacheDirectory: string; id: string }; hasteFS: { getSize(path: string): number | null } };
}

export default class RecordedTimesSequencer {
  time(test: SequencedTest): number | undefined;
  sort<T extends SequencedTest>(tests: T[]): T[];
}
