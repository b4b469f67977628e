/**
 * What `kcl-ts run` checks before it starts the JVM, so that the two commonest local
 * mistakes (a stand-in that is not running, no credentials in the environment) cost one
 * line each and a few milliseconds instead of a minute of the daemon's stack traces.
 */
import { readFileSync } from 'node:fs';
import { parsePropertiesBuffer, type ParsedProperties } from '../properties/parse.js';
import { credentialsProblem, type CredentialsContext } from './credentials.js';
import { endpointSettings, isLoopbackHost, probeEndpoint, type EndpointSetting } from './endpoints.js';

export interface PreflightOptions extends CredentialsContext {
  /** Per TCP connect; default 2000 ms. */
  probeTimeoutMs?: number;
}

/** metricsLevel = NONE: the daemon never calls CloudWatch, whatever its endpoint. */
function usesCloudWatch(parsed: ParsedProperties): boolean {
  return parsed.map.get('metricsLevel')?.value.trim().toUpperCase() !== 'NONE';
}

/**
 * Problems that would stop the daemon, one line each (without a prefix); [] when none
 * was found. Only loopback endpoints are probed.
 */
export async function preflight(parsed: ParsedProperties, opts: PreflightOptions): Promise<string[]> {
  const endpoints = endpointSettings(parsed).filter((e) => e.service !== 'cloudwatch' || usesCloudWatch(parsed));
  const local = endpoints.filter((e) => isLoopbackHost(e.host));
  const results = await Promise.all(local.map((e) => probeEndpoint(e, opts.probeTimeoutMs)));
  const problems: string[] = [];
  results.forEach((r, i) => {
    if (!r.ok) problems.push(`${local[i]!.key} = ${local[i]!.value}: ${r.reason}`);
  });
  if (isLocalRun(endpoints)) {
    const creds = credentialsProblem(parsed, opts);
    if (creds) problems.push(creds);
  }
  return problems;
}

/** Both services the daemon cannot run without are on this machine, and nothing goes to AWS. */
function isLocalRun(endpoints: readonly EndpointSetting[]): boolean {
  const local = (service: EndpointSetting['service']): boolean => {
    const of = endpoints.filter((e) => e.service === service);
    return of.length > 0 && of.every((e) => isLoopbackHost(e.host));
  };
  return local('kinesis') && local('dynamodb');
}

/** `preflight` on a file; a file that cannot be read or parsed is left to validation and the daemon. */
export async function preflightFile(file: string, opts: PreflightOptions): Promise<string[]> {
  let parsed: ParsedProperties;
  try {
    parsed = parsePropertiesBuffer(readFileSync(file));
  } catch {
    return [];
  }
  return preflight(parsed, opts);
}
