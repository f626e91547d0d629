/**
 * driftwatch's programmatic API (`require('driftwatch')`). The statistics library is
 * `require('driftwatch/detectors')`.
 */
export { startService } from './service/driftwatch-service';
export type { ServiceHandle, ServiceStats, StartServiceOptions } from './service/driftwatch-service';
export { loadConfig, defaultConfig } from './config/load-config';
export type { DriftwatchConfig } from './config/config-types';
export type { DriftAlert, DlqEntry, RetrainTrigger } from './alerts/alert-types';
