// Every finding tcpdiag reports, in the order `FINDING_IDS` lists them (the JSON schema's enum, the JUnit checks,
// the README's list and `tcpdiag explain` follow it; test/diagnose/registry.test.ts checks each).
// Adding a finding: one file in detectors/, one line here, its test (CONTRIBUTING.md).

import type { AnyCaptureDetector, AnyListenerDetector, CaptureDetector, ListenerDetector } from './detector.js';
import { acceptQueueOverflow } from './detectors/accept-queue-overflow.js';
import { applicationResets } from './detectors/application-resets.js';
import { captureEvictions } from './detectors/capture-evictions.js';
import { captureIncomplete } from './detectors/capture-incomplete.js';
import { connectionRefused } from './detectors/connection-refused.js';
import { handshakeLoss } from './detectors/handshake-loss.js';
import { portReuse } from './detectors/port-reuse.js';
import { synFlood } from './detectors/syn-flood.js';
import { synQueueOverflow } from './detectors/syn-queue-overflow.js';
import { synUnanswered } from './detectors/syn-unanswered.js';

/** Per-listener detectors, judged in this order (the report then sorts findings by severity). */
export const LISTENER_DETECTORS = [
  acceptQueueOverflow,
  synFlood,
  synQueueOverflow,
  connectionRefused,
  synUnanswered,
  applicationResets,
  handshakeLoss,
  portReuse,
] as const;

/** Capture-wide detectors: the capture's or tcpdiag's own limits. */
export const CAPTURE_DETECTORS = [captureEvictions, captureIncomplete] as const;

export const DETECTORS = [...LISTENER_DETECTORS, ...CAPTURE_DETECTORS] as const;

type FindingOf<D> = D extends ListenerDetector<string, infer _S, infer F> ? F : D extends CaptureDetector<string, infer F> ? F : never;

/** A finding: a union told apart by `id`, each with its own typed fields. */
export type Finding = FindingOf<(typeof DETECTORS)[number]>;
export type FindingId = Finding['id'];

/** Finding ids, stable across versions (CI jobs and scripts read them). */
export const FINDING_IDS: readonly FindingId[] = DETECTORS.map((d) => d.id);

/** The registry as the analyzer walks it (each detector's state type is its own business). */
export const listenerDetectors: readonly AnyListenerDetector[] = LISTENER_DETECTORS;
export const captureDetectors: readonly AnyCaptureDetector[] = CAPTURE_DETECTORS;
