/** protobuf Timestamp / Duration as proto-loader decodes them (int64 seconds as numbers). */
export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

export type ProtoDuration = ProtoTimestamp;

export function timestampToMillis(timestamp: ProtoTimestamp): number {
  return timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

export function millisToTimestamp(ms: number): ProtoTimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function durationToMillis(duration: ProtoDuration): number {
  return timestampToMillis(duration);
}

/** A Date, epoch milliseconds or an RFC 3339 string, as epoch milliseconds. */
export function toMillis(time: Date | number | string): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new Error(`invalid time ${String(time)}`);
  return ms;
}
