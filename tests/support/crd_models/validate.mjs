// Validate prometheus-operator objects (JSON on stdin: a list) against the
// @kubernetes-models/prometheus-operator schemas, generated from the
// operator's own API types. Prints one line per invalid object; exit 1 then.
import { readFileSync } from "node:fs";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

const MODELS = { PodMonitor, PrometheusRule, ServiceMonitor };
let failed = 0;
for (const object of JSON.parse(readFileSync(0, "utf8"))) {
  const Model = MODELS[object.kind];
  const name = `${object.kind}/${object.metadata?.name}`;
  if (!Model || object.apiVersion !== Model.apiVersion) {
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
