// Example environment: the reference worker with the claim exporter as a sidecar, Temporal over
// mTLS, scraped and alerted on by kube-prometheus-stack (Helm release "kube-prometheus-stack").
// Copy this folder, change what differs in your cluster, run `make manifests`.
local dictobs = import '../../lib/dictobs.libsonnet';

dictobs.new({
  namespace: 'dict-observability',
  // Pin by digest in production; a tag is shown here.
  image: 'registry.example.com/dict-observability:0.1.0',
  monitoring: {
    namespace: 'monitoring',
    ruleLabels: { release: 'kube-prometheus-stack' },
    monitorLabels: { release: 'kube-prometheus-stack' },
  },
  temporal: {
    address: 'temporal-frontend.temporal.svc.cluster.local:7233',
    tlsSecret: 'dict-temporal-tls',
    mtls: true,
    serverName: 'temporal-frontend.temporal.svc.cluster.local',
    codecKeySecret: 'dict-codec-keys',
  },
  bridge: {
    address: 'bridge.dict.example.invalid:50051',
    cidrs: ['10.20.30.0/24'],
    // The worker's client certificate for the Bridge's mTLS: ca.crt, tls.crt, tls.key.
    tlsSecret: 'dict-bridge-tls',
  },
  worker: { replicas: 2 },
  exporter: {
    mode: 'sidecar',
    webSecret: 'dict-exporter-web',
  },
})
