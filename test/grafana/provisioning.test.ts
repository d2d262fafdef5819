import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * There is no Docker or Grafana here: the provisioning files and the compose file are checked for
 * the structure Grafana and Compose need, and for agreeing with each other and prometheus.yml.
 */
const grafana = fileURLToPath(new URL('../../grafana/', import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: YAML documents are inspected structurally
const load = (path: string): any => parse(readFileSync(`${grafana}${path}`, 'utf8'));

const prometheusYml = load('prometheus.yml');
const datasources = load('provisioning/datasources/prometheus.yaml');
const dashboards = load('provisioning/dashboards/aiva.yaml');
const compose = load('docker-compose.yml');

describe('grafana/provisioning', () => {
  it('defines one Prometheus data source with a fixed uid and timeInterval = the scrape interval', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toHaveLength(1);
    const [ds] = datasources.datasources;
    expect(ds).toMatchObject({ type: 'prometheus', uid: 'aiva-prometheus', access: 'proxy' });
    expect(ds.jsonData.timeInterval).toBe(prometheusYml.global.scrape_interval);
    expect(load('compose/prometheus.yml').global.scrape_interval).toBe(prometheusYml.global.scrape_interval);
  });

  it('loads the dashboards folder with a file provider that the compose file mounts', () => {
    const [provider] = dashboards.providers;
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false });
    const mount = compose.services.grafana.volumes.find((v: string) => v.startsWith('./dashboards:'));
    expect(mount.split(':')[1]).toBe(provider.options.path);
    expect(
      readdirSync(`${grafana}dashboards`).filter((f) => f.endsWith('.json')).length,
    ).toBeGreaterThanOrEqual(5);
  });
});

describe('grafana/docker-compose.yml', () => {
  it('runs the demo, Prometheus and Grafana, publishing only on 127.0.0.1', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['demo', 'grafana', 'prometheus']);
    for (const [name, service] of Object.entries<{ image?: string; ports?: string[] }>(compose.services)) {
      expect(service.image, name).toMatch(/^[a-z0-9/_.-]+:[0-9a-z.-]+$/);
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(compose.services.grafana.depends_on).toContain('prometheus');
  });

  it('mounts only paths that exist, and Prometheus loads the committed rule file', () => {
    for (const service of Object.values<{ volumes?: string[] }>(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        expect(existsSync(`${grafana}${source}`), volume).toBe(true);
      }
    }
    const rules = load('compose/prometheus.yml').rule_files[0] as string;
    const rulesMount = compose.services.prometheus.volumes.find((v: string) => v.startsWith('./rules:'));
    const target = rulesMount.split(':')[1];
    expect(existsSync(`${grafana}rules/${rules.slice(target.length + 1)}`)).toBe(true);
    expect(load('compose/prometheus.yml').scrape_configs[0].static_configs[0].targets).toEqual(['demo:9464']);
  });

  it('points the data source at the compose Prometheus service', () => {
    expect(datasources.datasources[0].url).toBe('http://prometheus:9090');
  });
});
