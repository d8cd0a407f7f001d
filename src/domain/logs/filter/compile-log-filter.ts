/**
 * A migration's Cloud Logging filter evaluated here, on entries already received: one shared
 * log watch fans entries out to the migrations, each keeping those its own `logFilter` selects.
 */
import { compileFilter } from './filter-match.js';

export { FilterSyntaxError } from './filter-parser.js';

/**
 * Compiles a filter in the Cloud Logging query language into a test on entries in the API's
 * JSON shape (camelCase: insertId, timestamp, severity, logName, resource.type/labels, labels,
 * httpRequest, jsonPayload, textPayload), which ClassifiableEntry is. Parses once; throws a
 * FilterSyntaxError whose message ends with `at position N` (0-based, where the filter goes
 * wrong) for a filter Cloud Logging would refuse.
 *
 * Example: compileLogFilter('resource.labels.namespace_name="payments" severity>=ERROR')(entry)
 */
export function compileLogFilter(filter: string): (entry: object) => boolean {
  return compileFilter(filter);
}
