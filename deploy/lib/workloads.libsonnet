// The worker and exporter pods: containers, hardened security context, secrets as files,
// probes, and their Deployments, Services, ServiceAccounts and PodDisruptionBudgets.
local paths = {
  temporalTls: '/etc/dictobs/temporal-tls',
  bridgeTls: '/etc/dictobs/bridge-tls',
  apiKey: '/etc/dictobs/temporal-api-key',
  codecKeys: '/etc/dictobs/codec-keys',
  web: '/etc/dictobs/exporter-web',
  run: '/run/dictobs',
};
local uid = 10001;  // the image's user (Dockerfile)
local readOnly = 288;  // file mode 0440: owner and group (fsGroup) read

local meta(c, name, component) = {
  name: name,
  namespace: c.namespace,
  labels: c.labels {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'dict-observability',
  },
};
local selector(name) = { 'app.kubernetes.io/name': name };

local containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
local podSecurity = {
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
};

local secretVolume(name, secret, keys) = {
  name: name,
  secret: { secretName: secret, defaultMode: readOnly, items: [{ key: k, path: k } for k in keys] },
};
local tlsKeys(c) = ['ca.crt'] + (if c.temporal.mtls then ['tls.crt', 'tls.key'] else []);

// Connection settings both processes read from the environment: addresses and file paths only.
local temporalEnv(c) =
  [
    { name: 'TEMPORAL_ADDRESS', value: c.temporal.address },
    { name: 'TEMPORAL_NAMESPACE', value: c.temporal.namespace },
    { name: 'TEMPORAL_TASK_QUEUE', value: c.temporal.taskQueue },
  ]
  + (if c.temporal.tlsSecret != null then [{ name: 'TEMPORAL_TLS_CA', value: paths.temporalTls + '/ca.crt' }] else [])
  + (if c.temporal.mtls then [
       { name: 'TEMPORAL_TLS_CERT', value: paths.temporalTls + '/tls.crt' },
       { name: 'TEMPORAL_TLS_KEY', value: paths.temporalTls + '/tls.key' },
     ] else [])
  + (if c.temporal.serverName != null then [{ name: 'TEMPORAL_TLS_SERVER_NAME', value: c.temporal.serverName }] else []);

local temporalMounts(c) =
  (if c.temporal.tlsSecret != null then [{ name: 'temporal-tls', mountPath: paths.temporalTls, readOnly: true }] else [])
  + (if c.temporal.apiKeySecret != null then [{ name: 'temporal-api-key', mountPath: paths.apiKey, readOnly: true }] else []);

local temporalVolumes(c) =
  (if c.temporal.tlsSecret != null then [secretVolume('temporal-tls', c.temporal.tlsSecret, tlsKeys(c))] else [])
  + (if c.temporal.apiKeySecret != null then [secretVolume('temporal-api-key', c.temporal.apiKeySecret, ['api-key'])] else []);

// The payload codec's key file: the worker's alone (the exporter reads no payload).
local codecKeyed(c) = c.temporal.codecKeySecret != null;
local codecVolumes(c) =
  if codecKeyed(c) then [secretVolume('codec-keys', c.temporal.codecKeySecret, ['codec-keys'])] else [];

// The worker's mTLS to the Bridge: the Secret's three files, and the settings naming them.
local bridgeTlsFiles = { BRIDGE_TLS_CA: 'ca.crt', BRIDGE_TLS_CERT: 'tls.crt', BRIDGE_TLS_KEY: 'tls.key' };
local bridgeEnv(c) =
  [{ name: 'BRIDGE_ADDRESS', value: c.bridge.address }]
  + [
    { name: setting, value: paths.bridgeTls + '/' + bridgeTlsFiles[setting] }
    for setting in std.objectFields(bridgeTlsFiles)
  ]
  + (if c.bridge.serverName != null then [{ name: 'BRIDGE_TLS_SERVER_NAME', value: c.bridge.serverName }] else []);
local bridgeVolume(c) =
  secretVolume('bridge-tls', c.bridge.tlsSecret, std.sort(std.objectValues(bridgeTlsFiles)));

local tmp = { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } };

local base(c, name) = {
  name: name,
  image: c.image,
  imagePullPolicy: c.imagePullPolicy,
  securityContext: containerSecurity,
};

local worker(c, knobs) = base(c, 'worker') {
  args: [
    'worker',
    '--metrics-address=0.0.0.0:%d' % knobs.workerMetricsPort,
    '--ready-file=%s/ready' % paths.run,
  ],
  env: temporalEnv(c) + bridgeEnv(c)
       + (if c.temporal.apiKeySecret != null then [{ name: 'TEMPORAL_API_KEY_FILE', value: paths.apiKey + '/api-key' }] else [])
       + (if codecKeyed(c) then [{ name: 'TEMPORAL_CODEC_KEY_FILE', value: paths.codecKeys + '/codec-keys' }] else []),
  ports: [{ name: 'metrics', containerPort: knobs.workerMetricsPort, protocol: 'TCP' }],
  // Ready once it polls the task queue (it writes the file then, and removes it on SIGTERM).
  readinessProbe: { exec: { command: ['test', '-f', paths.run + '/ready'] }, periodSeconds: 5, failureThreshold: 2 },
  // Alive while its metrics endpoint (served by the SDK runtime) accepts connections.
  livenessProbe: { tcpSocket: { port: 'metrics' }, initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 3 },
  resources: c.worker.resources,
  volumeMounts: temporalMounts(c)
                + [{ name: 'bridge-tls', mountPath: paths.bridgeTls, readOnly: true }]
                + (if codecKeyed(c) then [{ name: 'codec-keys', mountPath: paths.codecKeys, readOnly: true }] else [])
                + [{ name: 'run', mountPath: paths.run }, { name: 'tmp', mountPath: '/tmp' }],
};

local exporter(c, knobs) =
  local https = c.exporter.webSecret != null;
  local probe = { httpGet: { path: '/healthz', port: 'exporter', scheme: if https then 'HTTPS' else 'HTTP' } };
  base(c, 'exporter') {
    args: [
      'exporter',
      '--web.listen-address=0.0.0.0:%d' % knobs.exporterPort,
    ]
    + (if c.temporal.apiKeySecret != null then ['--temporal.api-key-file=%s/api-key' % paths.apiKey] else [])
    + (if https then ['--web.config.file=%s/web-config.yml' % paths.web] else [])
    + c.exporter.flags,
    env: temporalEnv(c),
    ports: [{ name: 'exporter', containerPort: knobs.exporterPort, protocol: 'TCP' }],
    // The exporter listens only once it reached Temporal, and /healthz answers while it serves.
    readinessProbe: probe { periodSeconds: 10, failureThreshold: 2 },
    livenessProbe: probe { initialDelaySeconds: 20, periodSeconds: 20, failureThreshold: 3 },
    resources: c.exporter.resources,
    volumeMounts: temporalMounts(c)
                  + (if https then [{ name: 'exporter-web', mountPath: paths.web, readOnly: true }] else [])
                  + [{ name: 'tmp', mountPath: '/tmp' }],
  };

local webVolumes(c) =
  if c.exporter.webSecret != null
  then [secretVolume('exporter-web', c.exporter.webSecret, ['web-config.yml', 'tls.crt', 'tls.key'])]
  else [];

local deployment(c, name, component, replicas, containers, volumes) = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(c, name, component),
  spec: {
    replicas: replicas,
    selector: { matchLabels: selector(name) },
    template: {
      metadata: { labels: meta(c, name, component).labels },
      spec: {
        serviceAccountName: name,
        automountServiceAccountToken: false,
        securityContext: podSecurity,
        // The worker gives running activities 10 s after SIGTERM; leave it room to exit.
        terminationGracePeriodSeconds: 30,
        containers: containers,
        volumes: volumes,
      },
    },
  },
};

local service(c, name, component, ports) = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(c, name, component),
  spec: {
    selector: selector(name),
    ports: [{ name: p.name, port: p.containerPort, targetPort: p.name, protocol: 'TCP' } for p in ports],
  },
};

local serviceAccount(c, name, component) = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: meta(c, name, component),
  automountServiceAccountToken: false,
};

local pdb(c, name, component) = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: meta(c, name, component),
  spec: { maxUnavailable: 1, selector: { matchLabels: selector(name) } },
};

local workload(c, name, component, replicas, containers, volumes) = [
  serviceAccount(c, name, component),
  deployment(c, name, component, replicas, containers, volumes),
  service(c, name, component, std.flattenArrays([k.ports for k in containers])),
  pdb(c, name, component),
];

{
  paths:: paths,
  meta:: meta,
  selector:: selector,
  workerName:: 'dict-worker',
  exporterName:: 'dict-exporter',

  objects(c, knobs)::
    local sidecar = c.exporter.mode == 'sidecar';
    (if c.worker.enabled then workload(
       c,
       'dict-worker',
       'worker',
       c.worker.replicas,
       [worker(c, knobs)] + (if sidecar then [exporter(c, knobs)] else []),
       temporalVolumes(c) + [bridgeVolume(c)] + codecVolumes(c) + (if sidecar then webVolumes(c) else [])
       + [{ name: 'run', emptyDir: { sizeLimit: '1Mi' } }, tmp],
     ) else [])
    + (if !sidecar then workload(
         c,
         'dict-exporter',
         'exporter',
         c.exporter.replicas,
         [exporter(c, knobs)],
         temporalVolumes(c) + webVolumes(c) + [tmp],
       ) else []),
}
