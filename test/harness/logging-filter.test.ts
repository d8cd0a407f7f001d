import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/domain/logs/filter/filter-match.js';
import { FilterSyntaxError, parseFilter } from '../../src/domain/logs/filter/filter-parser.js';

const accessLog = {
  logName: 'projects/p1/logs/stdout',
  resource: { type: 'k8s_container', labels: { container_name: 'istio-proxy', namespace_name: 'shop' } },
  timestamp: '2026-03-01T12:00:00.250000000Z',
  receiveTimestamp: '2026-03-01T12:00:01.000000000Z',
  severity: 'WARNING',
  insertId: 'id-0001',
  labels: { 'k8s-pod/app': 'frontend', response_flag: 'UH' },
  httpRequest: { status: 503, latency: '0.250s', requestUrl: 'http://cr-gcpbackend.com/cart' },
  jsonPayload: {
    response_code: 503,
    response_flags: 'UH',
    upstream_host: null,
    upstream_cluster: 'outbound|443||cr-gcpbackend.com',
    tags: ['canary', 'Mesh'],
    retried: false,
    nested: { attempt: 2 },
  },
};

const sidecarLine = {
  logName: 'projects/p1/logs/run.googleapis.com%2Fenvoy_sidecar_log',
  resource: { type: 'cloud_run_revision', labels: { service_name: 'backend' } },
  timestamp: '2026-03-01T11:59:00Z',
  severity: 'ERROR',
  insertId: 'id-0002',
  textPayload: "StreamAggregatedResources gRPC config stream closed: 7, Permission 'trafficdirector.networks.getConfigs' denied",
};

function matches(filter: string, entry: object = accessLog): boolean {
  return compileFilter(filter)(entry);
}

describe('comparison operators', () => {
  it('= is exact and case-sensitive', () => {
    expect(matches('resource.type = "k8s_container"')).toBe(true);
    expect(matches('resource.type = "K8S_CONTAINER"')).toBe(false);
    expect(matches('resource.type = "k8s"')).toBe(false);
  });

  it('!= is the negation of =', () => {
    expect(matches('resource.type != "cloud_run_revision"')).toBe(true);
    expect(matches('resource.type != "k8s_container"')).toBe(false);
  });

  it(': is a case-insensitive substring test', () => {
    expect(matches('jsonPayload.upstream_cluster:"GCPBACKEND"')).toBe(true);
    expect(matches('textPayload:"permission \'trafficdirector.networks.getConfigs\'"', sidecarLine)).toBe(true);
    expect(matches('jsonPayload.upstream_cluster:"service-entry"')).toBe(false);
  });

  it(':* tests presence, :"*" looks for a star', () => {
    expect(matches('jsonPayload.response_flags:*')).toBe(true);
    expect(matches('jsonPayload.absent:*')).toBe(false);
    expect(matches('jsonPayload.response_flags:"*"')).toBe(false);
  });

  it('=~ and !~ are unanchored regular expressions', () => {
    expect(matches('logName =~ "envoy_sidecar_log$"', sidecarLine)).toBe(true);
    expect(matches('logName =~ "envoy_sidecar_log$"')).toBe(false);
    expect(matches('textPayload =~ "closed: \\d+"', sidecarLine)).toBe(true);
    expect(matches('textPayload =~ "closed: (13|14)"', sidecarLine)).toBe(false);
    expect(matches('textPayload !~ "closed: (13|14)"', sidecarLine)).toBe(true);
    expect(matches('jsonPayload.response_flags =~ "^(UH|UF|URX)$"')).toBe(true);
  });

  it('honours RE2 inline flags', () => {
    expect(matches('textPayload =~ "(?i)PERMISSION.*DENIED"', sidecarLine)).toBe(true);
    expect(matches('textPayload =~ "PERMISSION.*DENIED"', sidecarLine)).toBe(false);
  });

  it('compares numbers numerically', () => {
    expect(matches('httpRequest.status >= 500')).toBe(true);
    expect(matches('httpRequest.status > 503')).toBe(false);
    expect(matches('httpRequest.status < 1000')).toBe(true);
    expect(matches('httpRequest.status <= 99')).toBe(false);
    expect(matches('httpRequest.status = 503')).toBe(true);
    expect(matches('jsonPayload.nested.attempt > 1')).toBe(true);
  });

  it('compares numeric strings (labels) numerically', () => {
    const entry = { labels: { status: '503' } };
    expect(matches('labels.status >= 500', entry)).toBe(true);
    expect(matches('labels.status >= 1000', entry)).toBe(false);
  });

  it('compares durations as durations', () => {
    expect(matches('httpRequest.latency > "0.1s"')).toBe(true);
    expect(matches('httpRequest.latency > "1s"')).toBe(false);
  });

  it('compares timestamps as times, whatever their precision or zone', () => {
    expect(matches('timestamp >= "2026-03-01T12:00:00Z"')).toBe(true);
    expect(matches('timestamp > "2026-03-01T12:00:00.25Z"')).toBe(false);
    expect(matches('timestamp >= "2026-03-01T12:00:00.25Z"')).toBe(true);
    expect(matches('timestamp < "2026-03-01T13:00:00+01:00"')).toBe(false);
    expect(matches('timestamp < "2026-03-01T13:00:01+01:00"')).toBe(true);
    expect(matches('timestamp >= "2026-03-01"')).toBe(true);
    expect(matches('timestamp >= 2026-03-02')).toBe(false);
    expect(matches('receive_timestamp > "2026-03-01T12:00:00.5Z"')).toBe(true);
  });

  it('orders severities by level, not alphabetically', () => {
    expect(matches('severity >= WARNING')).toBe(true);
    expect(matches('severity >= ERROR')).toBe(false);
    expect(matches('severity > INFO')).toBe(true);
    expect(matches('severity < ERROR')).toBe(true);
    expect(matches('severity >= DEFAULT')).toBe(true);
    expect(matches('severity = WARNING')).toBe(true);
    expect(matches('severity >= error')).toBe(false);
    expect(matches('severity >= 400')).toBe(true);
    expect(matches('severity >= ERROR', sidecarLine)).toBe(true);
    expect(matches('severity < EMERGENCY AND severity > CRITICAL', { severity: 'ALERT' })).toBe(true);
  });
});

describe('fields', () => {
  it('reads quoted path segments such as label keys with slashes', () => {
    expect(matches('labels."k8s-pod/app" = "frontend"')).toBe(true);
    expect(matches('labels."k8s-pod/app" = "backend"')).toBe(false);
    expect(matches('labels.response_flag = UH')).toBe(true);
    expect(matches('resource.labels.container_name = "istio-proxy"')).toBe(true);
  });

  it('accepts snake_case aliases of LogEntry fields', () => {
    expect(matches('log_name = "projects/p1/logs/stdout"')).toBe(true);
    expect(matches('insert_id = "id-0001"')).toBe(true);
    expect(matches('http_request.request_url : "/cart"')).toBe(true);
    expect(matches('json_payload.response_flags = UH')).toBe(true);
  });

  it('matches repeated fields when any element does', () => {
    expect(matches('jsonPayload.tags = "canary"')).toBe(true);
    expect(matches('jsonPayload.tags : "mesh"')).toBe(true);
    expect(matches('jsonPayload.tags = "stable"')).toBe(false);
    expect(matches('jsonPayload.tags != "canary"')).toBe(false);
  });

  it('compares booleans and JSON null', () => {
    expect(matches('jsonPayload.retried = false')).toBe(true);
    expect(matches('jsonPayload.retried = true')).toBe(false);
    expect(matches('jsonPayload.upstream_host = NULL_VALUE')).toBe(true);
  });

  it('a missing field matches nothing but the negations', () => {
    for (const op of ['=', ':', '=~', '>', '<', '>=', '<=']) {
      expect(matches(`jsonPayload.missing ${op} "x"`), op).toBe(false);
    }
    expect(matches('jsonPayload.missing != "x"')).toBe(true);
    expect(matches('jsonPayload.missing !~ "x"')).toBe(true);
    expect(matches('NOT jsonPayload.missing = "x"')).toBe(true);
    expect(matches('textPayload : "closed"')).toBe(false);
    expect(matches('httpRequest.status >= 500', sidecarLine)).toBe(false);
  });

  it('a comparison with an object is a search within it', () => {
    expect(matches('jsonPayload : "outbound|443"')).toBe(true);
    expect(matches('jsonPayload = "outbound|443||cr-gcpbackend.com"')).toBe(false);
  });
});

describe('global restrictions', () => {
  it('searches every value of the entry, case-insensitively', () => {
    expect(matches('cr-gcpbackend')).toBe(true);
    expect(matches('"ISTIO-PROXY"')).toBe(true);
    expect(matches('"trafficdirector.networks.getConfigs"', sidecarLine)).toBe(true);
    expect(matches('"trafficdirector.networks.getConfigs"')).toBe(false);
  });

  it('treats lower-case and/or/not as search terms', () => {
    const entry = { labels: { app: 'frontend' } };
    expect(matches('frontend and', entry)).toBe(false);
    expect(matches('frontend and', { labels: { app: 'frontend', owner: 'hand' } })).toBe(true);
    expect(matches('frontend OR nothing', entry)).toBe(true);
    expect(matches('frontend or nothing', entry)).toBe(false);
  });
});

describe('boolean structure', () => {
  it('AND, OR and NOT', () => {
    expect(matches('severity >= WARNING AND httpRequest.status = 503')).toBe(true);
    expect(matches('severity >= ERROR AND httpRequest.status = 503')).toBe(false);
    expect(matches('severity >= ERROR OR httpRequest.status = 503')).toBe(true);
    expect(matches('NOT severity >= ERROR')).toBe(true);
    expect(matches('NOT (severity >= ERROR OR httpRequest.status = 503)')).toBe(false);
  });

  it('a leading minus negates', () => {
    expect(matches('-severity >= ERROR')).toBe(true);
    expect(matches('-labels.response_flag = UH')).toBe(false);
    expect(matches('-(resource.type = "k8s_container")')).toBe(false);
  });

  it('juxtaposed terms and lines are ANDed', () => {
    expect(matches('resource.type="k8s_container" labels.response_flag=UH')).toBe(true);
    expect(matches('resource.type="k8s_container"\nlabels.response_flag=UF')).toBe(false);
    expect(matches('resource.type="k8s_container"\n\nseverity>=WARNING\n')).toBe(true);
  });

  it('OR binds tighter than AND', () => {
    // a AND b OR c  =  a AND (b OR c), with a false and c true
    expect(matches('severity >= ERROR AND httpRequest.status = 200 OR labels.response_flag = UH')).toBe(false);
    expect(matches('(severity >= ERROR AND httpRequest.status = 200) OR labels.response_flag = UH')).toBe(true);
    // a OR b AND c  =  (a OR b) AND c
    expect(matches('labels.response_flag = UH OR severity >= ERROR AND httpRequest.status = 200')).toBe(false);
    expect(parseFilter('a OR b AND c')).toMatchObject({ kind: 'and', operands: [{ kind: 'or' }, { kind: 'global', value: 'c' }] });
  });

  it('NOT binds tighter than OR', () => {
    expect(parseFilter('NOT a OR b')).toMatchObject({ kind: 'or', operands: [{ kind: 'not' }, { kind: 'global', value: 'b' }] });
  });

  it('skips comment lines', () => {
    expect(matches('-- only the broken ones\nlabels.response_flag = UH')).toBe(true);
  });

  it('an empty filter matches everything', () => {
    expect(matches('')).toBe(true);
    expect(matches('  \n ')).toBe(true);
  });

  it('reads the filter that the Node client sends with getEntries', () => {
    const filter = 'resource.type="k8s_container" AND timestamp >= "2026-03-01T11:00:00.000Z"';
    expect(matches(filter)).toBe(true);
    expect(matches(filter.replace('11:00', '13:00'))).toBe(false);
  });
});

describe('quoting', () => {
  it('unescapes quotes, backslashes and control characters', () => {
    const entry = { textPayload: 'say "hi"\tand \\ leave' };
    expect(matches('textPayload = "say \\"hi\\"\\tand \\\\ leave"', entry)).toBe(true);
    expect(matches('textPayload : "\\u0022hi"', entry)).toBe(true);
  });

  it('keeps unknown escapes for regular expressions', () => {
    expect(matches('jsonPayload.upstream_cluster =~ "\\|443\\|\\|"')).toBe(true);
  });

  it('reads bare values up to white space or a parenthesis', () => {
    expect(matches('jsonPayload.upstream_cluster=outbound|443||cr-gcpbackend.com')).toBe(true);
    expect(matches('(labels.response_flag=UH)')).toBe(true);
  });
});

describe('syntax errors', () => {
  const invalid = [
    ['severity =', /expected a value/],
    ['severity == ERROR', /unexpected '='/],
    ['= ERROR', /unexpected '='/],
    ['(severity = ERROR', /unbalanced '\('/],
    ['severity = ERROR)', /unexpected '\)'/],
    ['()', /empty parentheses/],
    ['textPayload : "unterminated', /unterminated string/],
    ['severity = ERROR AND', /expected a term/],
    ['OR severity = ERROR', /expected a term/],
    ['NOT', /expected a term/],
    ['textPayload =~ "(unclosed"', /invalid regular expression/],
    ['timestamp >= "yesterday"', /invalid timestamp/],
    ['log_id("stdout")', /unsupported function/],
  ] as const;

  it.each(invalid)('%s', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(filter)).toThrow(message);
  });

  it('reports the position', () => {
    try {
      parseFilter('severity = ERROR )');
      expect.unreachable();
    } catch (error) {
      expect((error as FilterSyntaxError).position).toBe(17);
    }
  });

  it('refuses filters over 20,000 characters', () => {
    expect(() => parseFilter(`textPayload:"${'x'.repeat(20_000)}"`)).toThrow(/longer than/);
  });
});
