/**
 * What the log classifier reads of a Cloud Logging LogEntry (its JSON shape). Adapters map the
 * @google-cloud/logging client's Entry (metadata + data) or the harness's JSON onto it; every
 * field but insertId and timestamp is optional, and missing or mistyped fields just make an
 * entry less recognisable (it is then ignored), never an exception.
 */
export interface ClassifiableEntry {
  readonly insertId: string;
  /** RFC 3339, UTC (`…Z`) as Cloud Logging returns it; the fraction may have 0–9 digits. */
  readonly timestamp: string;
  /** `INFO`, `WARNING`, `ERROR`… */
  readonly severity?: string | undefined;
  /** `projects/P/logs/LOG_ID`. */
  readonly logName?: string | undefined;
  readonly resource?: { readonly type: string; readonly labels?: Readonly<Record<string, string>> | undefined } | undefined;
  /** Entry labels: CSM traffic logs carry `response_flag`, `response_details`, `upstream_cluster`… here. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly httpRequest?: ClassifiableHttpRequest | undefined;
  readonly jsonPayload?: Readonly<Record<string, unknown>> | undefined;
  readonly textPayload?: string | undefined;
}

export interface ClassifiableHttpRequest {
  /** HTTP status; absent (proto3 default) or 0 when no response was sent. A numeric string is accepted too. */
  readonly status?: number | string | null | undefined;
  /** Only used to make sample lines readable. */
  readonly requestMethod?: string | undefined;
  readonly requestUrl?: string | undefined;
}
