// Validate operator objects (JSON on stdin: a list) against their published
// models: @kubernetes-models/prometheus-operator and
// @kubernetes-models/gateway-api, generated from each project's own API
// types. Prints one line per invalid object; exit 1 then.
import { readFileSync } from "node:fs";
import { BackendTLSPolicy } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/BackendTLSPolicy";
import { Gateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

const MODELS = Object.fromEntries(
  [BackendTLSPolicy, Gateway, HTTPRoute, PodMonitor, PrometheusRule, ServiceMonitor].map(
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
