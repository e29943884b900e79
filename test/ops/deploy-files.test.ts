// The deploy files, checked offline (no container daemon, no cluster): the Kubernetes manifests
// rendered by `kubectl kustomize`, docker-compose.yml, the Dockerfile and the nginx example. Every
// variable they set is a setting of the schema (or one of the runtime's own), the values parse, the
// `parley` commands and flags they run exist in the built CLI, the probes point at /healthz and
// /readyz on the right port, and every container runs as a non-root user.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, settingsSchema } from '../../src/config/index.js';
import { BIN } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Variables a deploy file may set: the settings, and what Node and the C library read. */
const ALLOWED_ENV = new Set([
  ...Object.keys(settingsSchema.shape),
  'NODE_ENV',
  'MALLOC_ARENA_MAX',
  'NODE_OPTIONS',
]);
const RUNTIME_ONLY = new Set(['NODE_ENV', 'MALLOC_ARENA_MAX', 'NODE_OPTIONS']);

/** Loads settings as a process would (no config file): throws a ConfigError on a bad value. */
function parsesAsSettings(env: Record<string, string>) {
  const settings = Object.fromEntries(Object.entries(env).filter(([name]) => !RUNTIME_ONLY.has(name)));
  return loadConfig(settings, mkdtempSync(path.join(tmpdir(), 'parley-deploy-')));
}

let surface: Map<string, string> | undefined;

/** The built CLI's commands, and each one's options (`--no-jobs`, ...), from its --help (read once). */
function cliSurface(): Map<string, string> {
  surface ??= readCliSurface();
  return surface;
}

function readCliSurface(): Map<string, string> {
  const help = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  const commands = [...help.split('Commands:')[1]!.matchAll(/^ {2}([a-z]+)\b/gm)].map((match) => match[1]!);
  return new Map(
    commands.map((command) => [
      command,
      execFileSync(process.execPath, [BIN, command, '--help'], { encoding: 'utf8' }),
    ]),
  );
}

function expectParleyCommand(cli: Map<string, string>, args: string[], where: string) {
  const [command, ...rest] = args;
  expect(cli.has(command ?? ''), `${where}: parley ${args.join(' ')}`).toBe(true);
  for (const flag of rest.filter((arg) => arg.startsWith('--'))) {
    expect(cli.get(command!), `${where}: parley ${command} ${flag}`).toMatch(new RegExp(`\\s${flag}\\b`));
  }
}

function expectAllowedEnv(names: Iterable<string>, where: string) {
  const unknown = [...names].filter((name) => !ALLOWED_ENV.has(name));
  expect(unknown, `${where} sets variables that are not settings`).toEqual([]);
}

function kubectl(): string {
  for (const candidate of ['/usr/bin/kubectl', '/usr/local/bin/kubectl'])
    if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('kubectl is needed to render deploy/kubernetes (kubectl kustomize); install it');
  }
}

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field below
type Manifest = any;

describe('Kubernetes manifests (kubectl kustomize deploy/kubernetes)', () => {
  let objects: Manifest[];
  let cli: Map<string, string>;
  const find = (kind: string, name?: string): Manifest[] =>
    objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  const one = (kind: string, name: string): Manifest => {
    const [found] = find(kind, name);
    expect(found, `${kind}/${name}`).toBeDefined();
    return found;
  };
  /** The variables a container gets: its own env and every ConfigMap and Secret it takes whole. */
  const containerEnv = (container: Manifest): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef ?? source.secretRef;
      const object = one(source.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
      Object.assign(env, object.data ?? {}, object.stringData ?? {});
    }
    for (const item of container.env ?? []) env[item.name] = String(item.value ?? '');
    return env;
  };
  const workloads = () => [...find('Deployment'), ...find('Job')];

  beforeAll(() => {
    const rendered = execFileSync(kubectl(), ['kustomize', path.join(ROOT, 'deploy/kubernetes')], {
      encoding: 'utf8',
    });
    objects = parseAllDocuments(rendered).map((document) => document.toJS());
    cli = cliSurface();
  });

  it('has the API and worker Deployments, Services, autoscaler, disruption budgets, Ingress, config and migration Job', () => {
    const kinds = new Set(objects.map((object) => object.kind));
    for (const kind of [
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Ingress',
      'ConfigMap',
      'Secret',
      'Job',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    expect(
      find('Deployment')
        .map((object) => object.metadata.name)
        .sort(),
    ).toEqual(['parley-api', 'parley-worker']);
  });

  it('sets only variables of the configuration schema, with values that parse', () => {
    for (const workload of workloads()) {
      for (const container of workload.spec.template.spec.containers) {
        const env = containerEnv(container);
        const where = `${workload.kind}/${workload.metadata.name}`;
        expectAllowedEnv(Object.keys(env), where);
        expect(() => parsesAsSettings(env), where).not.toThrow();
      }
    }
  });

  it('runs parley serve --no-jobs, parley worker and parley migrate, commands the CLI has', () => {
    const args = (kind: string, name: string) =>
      one(kind, name).spec.template.spec.containers[0].args as string[];
    expect(args('Deployment', 'parley-api')).toEqual(['serve', '--no-jobs']);
    expect(args('Deployment', 'parley-worker')).toEqual(['worker']);
    expect(args('Job', 'parley-migrate')).toEqual(['migrate']);
    for (const workload of workloads()) {
      for (const container of workload.spec.template.spec.containers) {
        expect(container.image, container.name).toMatch(/parley/);
        expect(container.command, 'the image entry point runs parley').toBeUndefined();
        expectParleyCommand(cli, container.args, `${workload.kind}/${workload.metadata.name}`);
      }
    }
  });

  it('probes /healthz for liveness and /readyz for readiness, on the port that serves them', () => {
    for (const [name, portSetting] of [
      ['parley-api', 'PARLEY_PORT'],
      ['parley-worker', 'PARLEY_METRICS_PORT'],
    ] as const) {
      const container = one('Deployment', name).spec.template.spec.containers[0];
      const port = Number(containerEnv(container)[portSetting]);
      const portOf = (probe: Manifest) =>
        container.ports.find((item: Manifest) => item.name === probe.httpGet.port)?.containerPort;
      for (const probe of ['startupProbe', 'livenessProbe'])
        expect(container[probe].httpGet.path, `${name} ${probe}`).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path, name).toBe('/readyz');
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(portOf(container[probe]), `${name} ${probe} port`).toBe(port);
    }
    const api = one('Deployment', 'parley-api').spec.template.spec;
    const grace = Number(containerEnv(api.containers[0]).PARLEY_SHUTDOWN_GRACE_SECONDS ?? 20);
    expect(api.terminationGracePeriodSeconds).toBeGreaterThan(grace);
  });

  it('runs every container as a non-root user without privilege escalation', () => {
    for (const workload of workloads()) {
      const pod = workload.spec.template.spec;
      for (const container of pod.containers) {
        const security = { ...pod.securityContext, ...container.securityContext };
        expect(security.runAsNonRoot, container.name).toBe(true);
        expect(security.runAsUser, container.name).toBeGreaterThan(0);
        expect(security.allowPrivilegeEscalation, container.name).toBe(false);
      }
    }
  });

  it('routes the Ingress to the API without buffering and with a long read timeout', () => {
    const ingress = one('Ingress', 'parley');
    const annotations = ingress.metadata.annotations;
    expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(300);
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    const service = one('Service', backend.name);
    const servicePort = service.spec.ports.find((port: Manifest) => port.name === backend.port.name);
    expect(servicePort).toBeDefined();
    const api = one('Deployment', 'parley-api').spec.template;
    for (const [key, value] of Object.entries(service.spec.selector))
      expect(api.metadata.labels[key]).toBe(value);
    expect(api.spec.containers[0].ports.map((port: Manifest) => port.name)).toContain(servicePort.targetPort);
  });

  it('points the autoscaler and the disruption budgets at the Deployments', () => {
    const hpa = one('HorizontalPodAutoscaler', 'parley-api');
    expect(one('Deployment', hpa.spec.scaleTargetRef.name)).toBeDefined();
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    for (const pdb of find('PodDisruptionBudget')) {
      const matched = find('Deployment').filter((deployment) =>
        Object.entries(pdb.spec.selector.matchLabels).every(
          ([key, value]) => deployment.spec.template.metadata.labels[key] === value,
        ),
      );
      expect(matched, pdb.metadata.name).toHaveLength(1);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Manifest>;
  };
  const services = compose.services;
  const parleyServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
  /** `${NAME:-default}` as compose fills it in with NAME unset. */
  const interpolated = (value: unknown) => String(value ?? '').replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

  it('runs two API replicas, a worker, the migrations, PostgreSQL with pgvector and Redis', () => {
    expect(services.postgres.image).toBe('pgvector/pgvector:pg16');
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.api.deploy.replicas).toBe(2);
    expect(services.api.command).toEqual(['serve', '--no-jobs']);
    expect(services.worker.command).toEqual(['worker']);
    expect(services.migrate.command).toEqual(['migrate']);
    expect(services.api.depends_on.migrate.condition).toBe('service_completed_successfully');
    for (const name of ['otel-collector', 'prometheus', 'grafana'])
      expect(services[name].profiles, name).toEqual(['observability']);
  });

  it('sets only settings on the Parley services, with values that parse, and runs commands the CLI has', () => {
    const cli = cliSurface();
    expect(parleyServices.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of parleyServices) {
      expectAllowedEnv(Object.keys(service.environment), `service ${name}`);
      const env = Object.fromEntries(
        Object.entries(service.environment).map(([key, value]) => [key, interpolated(value)]),
      );
      expect(() => parsesAsSettings(env), name).not.toThrow();
      expectParleyCommand(cli, service.command, `service ${name}`);
    }
  });

  it('mounts files that exist: the nginx config, Prometheus and Grafana setup, the ops/ rules and dashboard', () => {
    const mounted = Object.values(services).flatMap((service: Manifest) =>
      (service.volumes ?? [])
        .filter((volume: string) => volume.startsWith('./'))
        .map((volume: string) => volume.split(':')[0]),
    );
    expect(mounted).toEqual(
      expect.arrayContaining([
        './deploy/nginx/parley.conf',
        './ops/prometheus/parley-alerts.yml',
        './ops/grafana/parley-dashboard.json',
      ]),
    );
    for (const file of mounted) expect(existsSync(path.join(ROOT, file)), file).toBe(true);
    const prometheus = parse(read('deploy/compose/prometheus.yml'));
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/parley-alerts.yml']);
    expect(prometheus.scrape_configs[0].job_name).toBe('parley');
    expect(prometheus.scrape_configs[0].dns_sd_configs[0].port).toBe(
      Number(services.api.environment.PARLEY_METRICS_PORT),
    );
  });
});

describe('Dockerfile', () => {
  // Continuation lines joined: one instruction per entry.
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>((all, line) => {
    if (line.startsWith('FROM ')) all.push([]);
    all.at(-1)?.push(line);
    return all;
  }, []);
  const runtime = stages.at(-1)!;

  it('builds in stages from node:20-slim and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:20-slim\b/);
    const user = runtime.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    // The runtime stage installs nothing: dependencies and the build come from the build stage.
    expect(runtime.filter((line) => /\bnpm (ci|install)\b/.test(line))).toEqual([]);
  });

  it('sets MALLOC_ARENA_MAX=2 and only settings, checks /healthz, and runs parley serve', () => {
    const env = Object.fromEntries(
      runtime
        .filter((line) => line.startsWith('ENV '))
        .flatMap((line) =>
          [...line.slice(4).matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]),
        ),
    );
    expect(env.MALLOC_ARENA_MAX).toBe('2');
    expectAllowedEnv(Object.keys(env), 'Dockerfile');
    expect(() => parsesAsSettings(env)).not.toThrow();
    expect(runtime.find((line) => line.startsWith('HEALTHCHECK '))).toMatch(/\/healthz/);
    expect(runtime.find((line) => line.startsWith('ENTRYPOINT '))).toContain('bin/parley.js');
    const cmd = JSON.parse(runtime.find((line) => line.startsWith('CMD '))!.slice(4)) as string[];
    expectParleyCommand(cliSurface(), cmd, 'Dockerfile CMD');
  });

  it('runs node with the V8 flags of npm start and of the parley command', () => {
    // One set of flags (the young generation's size, docs/deployment.md) wherever Parley is started
    // for real: the image, `npm start`, and `parley` run from a shell or through npx (its shebang).
    const nodeFlags = (words: string[]) =>
      words.slice(1, words.indexOf('bin/parley.js')).filter((word) => word.startsWith('--'));
    const entrypoint = JSON.parse(
      runtime.find((line) => line.startsWith('ENTRYPOINT '))!.slice(11),
    ) as string[];
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start.split(
      /\s+/,
    );
    const shebang = read('bin/parley.js').split('\n')[0]!;
    expect(nodeFlags(entrypoint)).toContain('--max-semi-space-size=64');
    expect(nodeFlags(start)).toEqual(nodeFlags(entrypoint));
    expect(shebang).toBe(`#!/usr/bin/env -S node ${nodeFlags(entrypoint).join(' ')}`);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = stages[0]!
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.slice(5).trim().split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      expect(ignored, `${source} is in .dockerignore`).not.toContain(source);
    }
    // The runtime needs the injection model next to its module, and the web assets.
    expect(existsSync(path.join(ROOT, 'src/guard/injection/injection-model.json'))).toBe(true);
  });
});

describe('deploy/nginx/parley.conf', () => {
  const conf = read('deploy/nginx/parley.conf');

  it('streams the chat routes unbuffered with a long read timeout, to the API port', () => {
    const streaming = /location ~ \^\/v1\/chat[^{]*\{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(streaming).toMatch(/proxy_buffering off;/);
    const timeout = /proxy_read_timeout (\d+)s;/.exec(streaming);
    expect(Number(timeout?.[1])).toBeGreaterThanOrEqual(300);
    expect(conf).toMatch(/server \S+:8787;/);
    expect(conf).toMatch(/location = \/metrics \{\s*return 404;/);
  });
});
