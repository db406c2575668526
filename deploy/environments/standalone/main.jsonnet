// Example environment: the claim exporter on its own, two replicas, for workers that are not the
// reference worker; Temporal Cloud with an API key.
local dictobs = import '../../lib/dictobs.libsonnet';

dictobs.new({
  namespace: 'dict-observability',
  image: 'registry.example.com/dict-observability:0.1.0',
  monitoring: {
    ruleLabels: { release: 'kube-prometheus-stack' },
    monitorLabels: { release: 'kube-prometheus-stack' },
  },
  temporal: {
    address: 'dict.a1b2c.tmprl.cloud:7233',
    namespace: 'dict.a1b2c',
    tlsSecret: 'dict-temporal-ca',
    apiKeySecret: 'dict-temporal-api-key',
    frontend: { cidrs: ['0.0.0.0/0'] },
    // Temporal Cloud's own metrics are not scraped from the cluster.
    metrics: null,
  },
  worker: { enabled: false },
  exporter: {
    mode: 'standalone',
    replicas: 2,
    flags: ['--refresh.interval=60s', '--refresh.deadline=50s'],
  },
})
