// Prometheus metrics (prom-client) under aircheck_*, with bounded labels: configured mount paths
// and fixed reason/code sets, never a label per listener. Fed by the registry observer and the
// request handlers; read by GET /metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../../../shared/src/errors.ts';
import type { DropReason } from '../listeners/listener.ts';

/**
 * A counter labelled by error code (and the labels L): the code is an ErrorCode, so a code missing
 * from ERROR_CODES (and so from docs/errors.md) is a type error, not a surprise on a dashboard.
 */
export type CodeCounter<L extends string = never> = Omit<Counter<L | 'code'>, 'inc'> & {
  inc(labels: { code: ErrorCode } & { [K in L]: string }, value?: number): void;
};

export class Metrics {
  readonly registry = new Registry();
  readonly listeners: Gauge<'mount'>;
  readonly sources: Gauge<'mount'>;
  readonly bytesSent: Counter<'mount'>;
  readonly bytesReceived: Counter<'mount'>;
  readonly listenerConnections: Counter<'mount'>;
  readonly listenerDisconnects: Counter<'mount' | 'reason'>;
  readonly listenerDrops: Counter<'mount'>;
  readonly listenerRejections: CodeCounter<'mount'>;
  readonly sourceConnections: Counter<'mount' | 'result'>;
  readonly sourceErrors: CodeCounter<'mount'>;
  readonly requestRejections: CodeCounter;
  readonly recordingErrors: CodeCounter;
  readonly ingestConsumerErrors: CodeCounter;
  readonly alertDeliveryFailures: Counter<'target'>;
  readonly recordingsSettled: Counter<'status'>;
  readonly segmentUploads: Counter<'result'>;
  readonly alerts: Counter<'kind'>;
  readonly alertChecks: Counter;
  readonly pushConnected: Gauge<'mount' | 'target'>;
  readonly pushBytes: Counter<'mount' | 'target'>;
  readonly pushReconnects: Counter<'mount' | 'target'>;
  readonly pushErrors: CodeCounter<'mount' | 'target'>;
  readonly pushDroppedBytes: Counter<'mount' | 'target'>;
  readonly relayConnected: Gauge<'mount'>;
  readonly relayBytes: Counter<'mount'>;
  readonly relayReconnects: Counter<'mount'>;
  readonly relayErrors: CodeCounter<'mount'>;
  /** The process's health (health.ts): 0 healthy, 1 warning, 2 critical, 3 overloaded; and the loop's delay. */
  readonly healthLevel: Gauge;
  readonly eventLoopDelayP99: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'aircheck_process_' });
    this.listeners = new Gauge({ name: 'aircheck_listeners', help: 'Listeners connected, by the mount they asked for', labelNames: ['mount'], registers });
    this.sources = new Gauge({ name: 'aircheck_sources', help: '1 while a source feeds the mount', labelNames: ['mount'], registers });
    this.bytesSent = new Counter({ name: 'aircheck_bytes_sent_total', help: 'Audio bytes written to listeners, by feeding mount', labelNames: ['mount'], registers });
    this.bytesReceived = new Counter({ name: 'aircheck_bytes_received_total', help: 'Bytes received from sources', labelNames: ['mount'], registers });
    this.listenerConnections = new Counter({ name: 'aircheck_listener_connections_total', help: 'Listeners admitted', labelNames: ['mount'], registers });
    this.listenerDisconnects = new Counter({ name: 'aircheck_listener_disconnects_total', help: 'Listeners gone, by reason', labelNames: ['mount', 'reason'], registers });
    this.listenerDrops = new Counter({ name: 'aircheck_listener_drops_total', help: 'Listeners dropped because they could not keep up', labelNames: ['mount'], registers });
    this.listenerRejections = new Counter({ name: 'aircheck_listener_rejections_total', help: 'Listener requests refused, by error code', labelNames: ['mount', 'code'], registers });
    this.sourceConnections = new Counter({ name: 'aircheck_source_connections_total', help: 'Source connection attempts, accepted or rejected', labelNames: ['mount', 'result'], registers });
    this.sourceErrors = new Counter({ name: 'aircheck_source_errors_total', help: 'Sources ended by an error, by code', labelNames: ['mount', 'code'], registers });
    this.recordingErrors = new Counter({ name: 'aircheck_recording_errors_total', help: 'Recording failures (spool disk errors, finalize, store verification), by error code: alert on any increase', labelNames: ['code'], registers });
    this.segmentUploads = new Counter({ name: 'aircheck_segment_uploads_total', help: 'Spool segments copied to the store during shows (result stored), and attempts that failed and will be retried (result failed)', labelNames: ['result'], registers });
    this.recordingsSettled = new Counter({ name: 'aircheck_recordings_total', help: 'Recordings that reached a final status (verified or failed)', labelNames: ['status'], registers });
    this.alerts = new Counter({ name: 'aircheck_alerts_total', help: "Alerts of the dead-man's switch (show_missed, recording_failed), delivered or not", labelNames: ['kind'], registers });
    this.alertChecks = new Counter({ name: 'aircheck_alert_checks_total', help: "Passes of the dead-man's switch over the schedule and the recordings (rises every alerts.check_interval_seconds)", registers });
    this.ingestConsumerErrors = new Counter({ name: 'aircheck_ingest_consumer_errors_total', help: "Studio frames a show's consumer (the live push, the recorder) threw on, by code (logged once per show)", labelNames: ['code'], registers });
    this.alertDeliveryFailures = new Counter({ name: 'aircheck_alert_delivery_failures_total', help: 'Alerts that could not be delivered to a target after every retry (ALERT_DELIVERY_FAILED)', labelNames: ['target'], registers });
    // Pushes to external servers ([[mounts.push]]): labelled by mount and the target's configured name.
    this.pushConnected = new Gauge({ name: 'aircheck_push_connected', help: '1 while the push to the target is connected and streaming', labelNames: ['mount', 'target'], registers });
    this.pushBytes = new Counter({ name: 'aircheck_push_bytes_total', help: 'Audio bytes handed to the connection of a push target', labelNames: ['mount', 'target'], registers });
    this.pushReconnects = new Counter({ name: 'aircheck_push_reconnects_total', help: 'Reconnect attempts of a push target after a failure (after its backoff)', labelNames: ['mount', 'target'], registers });
    this.pushErrors = new Counter({ name: 'aircheck_push_errors_total', help: 'Push failures by code (PUSH_REFUSED, PUSH_UNREACHABLE, PUSH_CONNECTION_LOST)', labelNames: ['mount', 'target', 'code'], registers });
    this.pushDroppedBytes = new Counter({ name: 'aircheck_push_dropped_bytes_total', help: "Audio dropped from a slow push target's queue (oldest first)", labelNames: ['mount', 'target'], registers });
    this.healthLevel = new Gauge({ name: 'aircheck_health_level', help: 'Health from CPU, memory and event-loop delay ([health] thresholds): 0 healthy, 1 warning, 2 critical (new dynamic mounts, relays, ladders refused), 3 overloaded', registers });
    this.eventLoopDelayP99 = new Gauge({ name: 'aircheck_event_loop_delay_p99_seconds', help: "The event loop's delay, p99 over the last health sample (monitorEventLoopDelay)", registers });
    // Pull relays ([mounts.relay]): labelled by the relay's mount (configured paths only).
    this.relayConnected = new Gauge({ name: 'aircheck_relay_connected', help: '1 while the relay of the mount is connected to its upstream and delivering audio', labelNames: ['mount'], registers });
    this.relayBytes = new Counter({ name: 'aircheck_relay_bytes_received_total', help: 'Bytes received from the upstream of a relay', labelNames: ['mount'], registers });
    this.relayReconnects = new Counter({ name: 'aircheck_relay_reconnects_total', help: 'Reconnect attempts of a relay after a failure (after its backoff)', labelNames: ['mount'], registers });
    this.relayErrors = new Counter({ name: 'aircheck_relay_errors_total', help: 'Relay failures by code (RELAY_UPSTREAM_REFUSED, RELAY_UPSTREAM_UNREACHABLE, RELAY_UPSTREAM_LOST, RELAY_BAD_AUDIO, RELAY_UNSUPPORTED_FORMAT)', labelNames: ['mount', 'code'], registers });
    this.requestRejections = new Counter({ name: 'aircheck_request_rejections_total', help: 'Connections refused before routing, by code', labelNames: ['code'], registers });
  }

  listenerLeft(mount: string, reason: DropReason): void {
    this.listeners.dec({ mount });
    this.listenerDisconnects.inc({ mount, reason });
    if (reason === 'slow') this.listenerDrops.inc({ mount });
  }
}
