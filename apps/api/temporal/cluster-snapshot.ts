// What the API's controllers take from a cluster's configuration. The snapshot a workflow's input
// carries is mapped in one place for the API, the worker and the drift schedules.
export { clusterSnapshot } from '../../../libs/config/cluster-snapshot';
