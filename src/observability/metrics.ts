import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What meshbot counts, for Prometheus at /metrics. */
export class MeshbotMetrics {
  readonly registry = new Registry();
  readonly commands = new Counter({ name: 'meshbot_commands_total', help: 'Slash commands received, by command name (unparsable ones as "invalid").', labelNames: ['command'], registers: [this.registry] });
  readonly operations = new Counter({ name: 'meshbot_operations_total', help: 'Operations that ended, by kind and outcome.', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  readonly patches = new Counter({ name: 'meshbot_virtualservice_patches_total', help: 'VirtualService PATCH requests, by result (accepted, conflict, failed).', labelNames: ['result'], registers: [this.registry] });
  readonly rollbacks = new Counter({ name: 'meshbot_rollbacks_total', help: 'Rollbacks started, by trigger (automatic, requested).', labelNames: ['trigger'], registers: [this.registry] });
  readonly logEntries = new Counter({ name: 'meshbot_log_entries_total', help: 'Envoy sidecar log entries seen during bakes, by class (success, ignored, or an error class).', labelNames: ['class'], registers: [this.registry] });
  readonly bakeVerdicts = new Counter({
    name: 'meshbot_bake_verdicts_total',
    help: 'Bakes that ended, by verdict (healthy, breached, inconclusive) and what judged them (metrics, logs).',
    labelNames: ['verdict', 'judged'],
    registers: [this.registry],
  });
  readonly detectToRollback = new Histogram({
    name: 'meshbot_detect_to_rollback_seconds',
    help: 'From the log entry that crossed a threshold to the rollback PATCH accepted.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly logTailSessions = new Gauge({ name: 'meshbot_log_tail_sessions', help: 'TailLogEntries sessions this process holds open for the project log watch (0 unless it holds the watch; 2 for a moment while one replaces another).', registers: [this.registry] });
  readonly logWatchHolder = new Gauge({ name: 'meshbot_log_watch_holder', help: '1 while this process holds the project log watch lease.', registers: [this.registry] });
  readonly logWatchSubjects = new Gauge({ name: 'meshbot_log_watch_subjects', help: 'Bakes and sentinels the log watch reads for (watched), and those whose filters fit in no session (unwatched), as the holder sees them.', labelNames: ['state'], registers: [this.registry] });
  readonly loggingReads = new Counter({ name: 'meshbot_logging_list_calls_total', help: 'ListLogEntries calls this process made within the shared read budget, by priority (backfill, sentinel, report).', labelNames: ['priority'], registers: [this.registry] });
  readonly loggingThrottled = new Counter({ name: 'meshbot_logging_throttled_total', help: 'ListLogEntries calls Cloud Logging answered with 429 RESOURCE_EXHAUSTED.', registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'meshbot_queue_depth', help: 'Jobs waiting or delayed, by queue.', labelNames: ['queue'], registers: [this.registry] });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'meshbot_process_' });
  }
}
