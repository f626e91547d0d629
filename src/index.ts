/**
 * driftwatch's programmatic API (`require('driftwatch')`). The statistics library is
 * `require('driftwatch/detectors')`.
 */
export { startService } from './service/driftwatch-service';
export type { ServiceHandle, ServiceStats, StartServiceOptions } from './service/driftwatch-service';
export { loadConfig, defaultConfig } from './config/load-config';
export type { DriftwatchConfig } from './config/config-types';
export type { DriftAlert, DlqEntry, RetrainTrigger } from './alerts/alert-types';
// The engine without Kafka: one partition's pipeline, file replay and baselines, simulated traffic.
export { PartitionPipeline } from './engine/partition-pipeline';
export { createRecordDecoder } from './ingest/record-decoder';
export type { PipelineOutput, PipelineCounters, PartitionPipelineOptions } from './engine/partition-pipeline';
export { replayEvents, buildBaseline } from './replay/run-replay';
export type { BaselineProfile } from './engine/baseline-profile';
export { SpeechTraffic, SIM_FEATURES } from './simulate/speech-traffic';
export type { SpeechTrafficOptions, DriftSpec, SimRecord } from './simulate/speech-traffic';
export { SimSourceRecords } from './simulate/sim-source-records';
