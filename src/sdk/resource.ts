import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ResolvedSdkConfig } from './options.js';

/**
 * Later merges win: the SDK's default resource (`telemetry.sdk.*`), what we detect (`host.name`,
 * `process.pid`, a `service.instance.id`), `OTEL_RESOURCE_ATTRIBUTES` (the user knows better than a
 * detector, e.g. a container's host name), then `service.*` as config resolved them in the
 * specification's order (option > `OTEL_SERVICE_NAME` > `OTEL_RESOURCE_ATTRIBUTES` > package.json).
 */
export function buildResource(
  config: Pick<ResolvedSdkConfig, 'serviceName' | 'serviceVersion' | 'resourceAttributes'>,
): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        'service.instance.id': randomUUID(),
        'host.name': hostname(),
        'process.pid': process.pid,
      }),
    )
    .merge(resourceFromAttributes(config.resourceAttributes))
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: config.serviceVersion,
      }),
    );
}
