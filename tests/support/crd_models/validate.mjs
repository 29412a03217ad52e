// Validate operator objects (JSON on stdin: a list) against their published
// models: @kubernetes-models/prometheus-operator,
// @kubernetes-models/gateway-api and @kubernetes-models/external-secrets,
// generated from each project's own CRD schemas. Prints one line per
// invalid object; exit 1 then.
import { readFileSync } from "node:fs";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret";
import { BackendTLSPolicy } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/BackendTLSPolicy";
import { Gateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

const MODELS = Object.fromEntries(
  [
    BackendTLSPolicy,
    ExternalSecret,
    Gateway,
    HTTPRoute,
    PodMonitor,
    PrometheusRule,
    ServiceMonitor,
  ].map(
    (Model) => [`${Model.apiVersion}/${Model.kind}`, Model],
  ),
);
let failed = 0;
for (const object of JSON.parse(readFileSync(0, "utf8"))) {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  const name = `${object.kind}/${object.metadata?.name}`;
  if (!Model) {
    console.log(`${name}: no schema for ${object.apiVersion}`);
    failed = 1;
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    console.log(`${name}: ${error.message}`);
    failed = 1;
  }
}
process.exit(failed);
