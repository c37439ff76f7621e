// Dynamic configuration both Temporal servers of the stack run with: the dev server of `npm start`
// and the tests (`--dynamic-config-value`), and the production servers (their dynamicconfig.yaml).
//
// A history shard's transfer queue (what hands a new workflow task, activity task or child start
// to matching) is read at most `history.transferProcessorMaxPollRPS` times a second per shard, 20
// by default. The dev server runs one shard and the production shape four, so every link of a chain
// of workflows (a child's start, its end reaching the parent, the task that follows) waited up to
// 50 ms for the next read: about 8 such links on the availability gate's path took its median from
// 0.46 s to 0.93 s (bench --drift --gate-only). The queue is read only when tasks were written, so
// an idle server reads no more often than before; a busy one reads sooner, in smaller batches.
export const serverDynamicConfig: Readonly<Record<string, number | boolean>> = {
  'history.transferProcessorMaxPollRPS': 1000,
};
