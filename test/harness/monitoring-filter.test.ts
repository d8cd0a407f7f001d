import { describe, expect, it } from 'vitest';
import { compileTimeSeriesFilter, MetricTypeError } from './monitoring/filter-match.js';
import { MonitoringFilterError, parseFilter } from './monitoring/filter-parser.js';
import type { FilterNode } from './monitoring/filter-parser.js';

const TYPE = 'metric.type = "istio.io/service/client/request_count"';

/** A compact rendering of the tree: comparisons as `selector op value`. */
function shape(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `${node.kind}(${node.operands.map(shape).join(', ')})`;
    case 'not':
      return `not(${shape(node.operand)})`;
    case 'compare': {
      const { selector, value } = node;
      const name = selector.object === 'project' ? 'project' : selector.field === 'type' ? `${selector.object}.type` : `${selector.object}:${selector.key}`;
      const literal = value.kind === 'function' ? `${value.name}(${value.args.join('|')})` : value.kind === 'bool' ? String(value.value) : value.text;
      return `${name}${node.op}${literal}`;
    }
  }
}

function syntaxError(filter: string): MonitoringFilterError {
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof MonitoringFilterError) return error;
    throw error;
  }
  throw new Error(`expected "${filter}" not to parse`);
}

describe('parseFilter', () => {
  it('binds NOT tightest, then AND (also implicit), then OR', () => {
    expect(shape(parseFilter('metric.labels.a = "1" OR metric.labels.b = "2" AND metric.labels.c = "3"'))).toBe('or(metric:a=1, and(metric:b=2, metric:c=3))');
    expect(shape(parseFilter('NOT metric.labels.a = "1" metric.labels.b = "2"'))).toBe('and(not(metric:a=1), metric:b=2)');
    expect(shape(parseFilter('(metric.labels.a = "1" OR metric.labels.b = "2") resource.type="k8s_pod"'))).toBe('and(or(metric:a=1, metric:b=2), resource.type=k8s_pod)');
  });

  it('reads both label spellings, project, numbers, booleans and functions', () => {
    expect(shape(parseFilter('metric.label.response_code >= 500 resource.label.pod_name != "x" project = "p"'))).toBe(
      'and(metric:response_code>=500, resource:pod_name!=x, project=p)',
    );
    expect(shape(parseFilter('metric.labels.x = one_of("a", "b") metric.labels.y = true metric.labels.z = -1.5'))).toBe('and(metric:x=one_of(a|b), metric:y=true, metric:z=-1.5)');
    expect(shape(parseFilter('resource.labels.pod_name = monitoring.regex.full_match("checkout-.*")'))).toBe('resource:pod_name=monitoring.regex.full_match(checkout-.*)');
  });

  it('unescapes quoted strings', () => {
    const node = parseFilter('metric.labels.note = "a\\"b\\\\c\\n\\u0041"');
    expect(node).toMatchObject({ kind: 'compare', value: { kind: 'string', text: 'a"b\\c\nA' } });
  });

  it('names the position of syntax errors', () => {
    expect(syntaxError('metric.labels.a = "open').message).toBe('unterminated string at position 18');
    expect(syntaxError('metric.labels.a = "1")').message).toBe("unexpected ')' at position 21");
    expect(syntaxError('metric.labels.a < starts_with("x")').message).toBe("starts_with() can only follow '=' or '!=' at position 18");
    expect(syntaxError('metric.labels.a = lower("x")').message).toBe("unknown function 'lower' at position 18");
    expect(syntaxError('metric.labels.a = bare').message).toBe("expected a quoted string, a number or a function, found 'bare' at position 18");
    expect(syntaxError('metric.labels.a = "1" AND').message).toBe('expected a comparison at position 25');
    expect(syntaxError('metric.labels.a ~ "1"').message).toBe('expected one of = != < > <= >= : at position 16');
    expect(syntaxError('metric.labels = "1"').message).toBe("unknown selector 'metric.labels' at position 0");
    expect(syntaxError('').message).toBe('empty filter at position 0');
  });
});

describe('compileTimeSeriesFilter', () => {
  const header = (labels: Record<string, string>, pod = 'checkout-1') => ({
    metric: { type: 'istio.io/service/client/request_count', labels },
    resource: { type: 'k8s_pod', labels: { project_id: 'p', pod_name: pod } },
  });

  it('finds the one metric type and refuses zero, two, or one under OR / NOT', () => {
    expect(compileTimeSeriesFilter(`${TYPE} metric.labels.a = "1"`).metricType).toBe('istio.io/service/client/request_count');
    expect(() => compileTimeSeriesFilter('resource.type = "k8s_pod"')).toThrow(MetricTypeError);
    expect(() => compileTimeSeriesFilter(`${TYPE} AND metric.type = "x"`)).toThrow(/exactly one metric type/);
    expect(() => compileTimeSeriesFilter(`${TYPE} OR resource.type = "k8s_pod"`)).toThrow(/not inside OR or NOT/);
    expect(() => compileTimeSeriesFilter(`NOT ${TYPE}`)).toThrow(/not inside OR or NOT/);
    expect(() => compileTimeSeriesFilter('metric.type = starts_with("istio.io/")')).toThrow(/single string/);
  });

  it('compares strings as strings and bare numbers as numbers', () => {
    const matches = (filter: string, labels: Record<string, string>) => compileTimeSeriesFilter(`${TYPE} ${filter}`).matches(header(labels));
    expect(matches('metric.labels.code >= "500"', { code: '503' })).toBe(true);
    expect(matches('metric.labels.code >= "500"', { code: '1000' })).toBe(false);
    expect(matches('metric.labels.code >= 500', { code: '1000' })).toBe(true);
    expect(matches('metric.labels.code < 500', { code: '0' })).toBe(true);
    expect(matches('metric.labels.host : "gcp"', { host: 'cr-gcpbackend.com' })).toBe(true);
    expect(matches('metric.labels.host = monitoring.regex.full_match("cr-.*")', { host: 'cr-gcpbackend.com' })).toBe(true);
    expect(matches('metric.labels.host = monitoring.regex.full_match("gcp")', { host: 'cr-gcpbackend.com' })).toBe(false);
  });

  it('treats a missing label as matching nothing but !=', () => {
    const matches = (filter: string) => compileTimeSeriesFilter(`${TYPE} ${filter}`).matches(header({}));
    expect(matches('metric.labels.absent = ""')).toBe(false);
    expect(matches('metric.labels.absent != "x"')).toBe(true);
    expect(matches('NOT metric.labels.absent = "x"')).toBe(true);
    expect(matches('project = "p" resource.labels.pod_name = ends_with("-1")')).toBe(true);
  });
});
