// The promises of issue 7, as checks on one run's summary. Each returns a list
// of broken promises (empty when all hold).

const COUNTERS = ['tcp', 'otherIp', 'nonIp', 'truncated', 'malformed', 'outsideWindow'];
const MAX_WARNINGS = 25;

function isCount(v) {
  return Number.isInteger(v) && v >= 0;
}

/**
 * @param {object} s the CaptureSummary
 * @param {{count:number, ids:number[]|null, maxConnections:number}} emitted what the onConnection callback saw
 * @param {object} input the mutated input ({gz, plainLength, expect?, minPackets?})
 */
export function checkSummary(s, emitted, input = {}) {
  const bad = [];
  for (const k of ['packets', ...COUNTERS, 'connections', 'evictions', 'peakLiveConnections', 'bytes']) {
    if (!isCount(s[k])) bad.push(`${k} is not a count: ${s[k]}`);
  }
  const sum = COUNTERS.reduce((a, k) => a + s[k], 0);
  if (sum !== s.packets) bad.push(`counters add up to ${sum}, not packets ${s.packets} (${COUNTERS.map((k) => `${k}=${s[k]}`).join(' ')})`);
  if (s.partial !== (s.error !== null)) bad.push(`partial=${s.partial} but error=${JSON.stringify(s.error)}`);
  if (s.error !== null) {
    if (typeof s.error !== 'string' || s.error.length === 0) bad.push(`error is not a message: ${JSON.stringify(s.error)}`);
    else {
      if (/[\r\n]/.test(s.error)) bad.push(`error message is not one line: ${JSON.stringify(s.error)}`);
      if (/^internal error/.test(s.error)) bad.push(`an exception escaped from the pipeline: ${s.error}`);
      if (!input.gz && /^read failed/.test(s.error)) bad.push(`a read of a regular file failed: ${s.error}`);
    }
    if (!isCount(s.errorOffset)) bad.push(`errorOffset is not a byte offset: ${s.errorOffset}`);
    else if (input.plainLength >= 0 && s.errorOffset > input.plainLength) {
      bad.push(`errorOffset ${s.errorOffset} lies past the end of the ${input.plainLength}-byte file`);
    }
    if (!Number.isInteger(s.errorFrame) || s.errorFrame < 1) bad.push(`errorFrame is not a frame number: ${s.errorFrame}`);
    else if (s.errorFrame !== s.packets + 1) bad.push(`errorFrame ${s.errorFrame} is not the frame after the ${s.packets} read`);
  } else if (s.errorOffset !== null || s.errorFrame !== null) {
    bad.push(`no error but errorOffset=${s.errorOffset} errorFrame=${s.errorFrame}`);
  }
  if (!Array.isArray(s.warnings) || s.warnings.length > MAX_WARNINGS) bad.push(`warnings unbounded: ${s.warnings?.length}`);
  else for (const w of s.warnings) if (typeof w !== 'string' || /[\r\n]/.test(w)) bad.push(`warning is not one line: ${JSON.stringify(w)}`);
  if (s.evictions > 0 && !s.warnings.some((w) => /evicted/.test(w))) bad.push(`${s.evictions} evictions but no warning`);
  if (emitted.count !== s.connections) bad.push(`${emitted.count} connections emitted, summary says ${s.connections}`);
  if (emitted.dupes > 0) bad.push(`${emitted.dupes} connections emitted more than once`);
  if (s.evictions > s.connections) bad.push(`evictions ${s.evictions} > connections ${s.connections}`);
  if (emitted.maxConnections && s.peakLiveConnections > emitted.maxConnections) {
    bad.push(`peak live ${s.peakLiveConnections} > cap ${emitted.maxConnections}`);
  }
  if (Object.keys(s.otherKinds ?? {}).length > 300) bad.push(`otherKinds unbounded: ${Object.keys(s.otherKinds).length} kinds`);
  // Frames read before the first changed byte still count.
  if (input.minPackets !== undefined && s.packets < input.minPackets) {
    bad.push(`only ${s.packets} frames read, but ${input.minPackets} lie wholly before the first changed byte`);
  }
  const e = input.expect;
  if (e) {
    if (s.packets !== e.packets) bad.push(`expected ${e.packets} frames, got ${s.packets}`);
    if (e.error === null && s.error !== null) bad.push(`expected no error, got: ${s.error}`);
    if (e.error === true) {
      if (s.error === null) bad.push('expected an error (cut inside a record), got none');
      else {
        if (s.errorOffset !== e.errorOffset) bad.push(`expected the error at byte ${e.errorOffset}, got ${s.errorOffset}`);
        if (s.errorFrame !== e.errorFrame) bad.push(`expected the error at frame ${e.errorFrame}, got ${s.errorFrame}`);
      }
    }
  }
  return bad;
}

/** The parts of a summary that must not depend on how the file was chunked. */
export function comparable(s) {
  const { path, ...rest } = s;
  return JSON.stringify(rest);
}

/** The line a CLI prints for a fault, built only from the summary: checks it names file, offset and frame. */
export function faultLine(s) {
  return `${s.path}: ${s.error} (byte offset ${s.errorOffset}, frame ${s.errorFrame})`;
}
