// Why the microphone is unavailable on this page, in words a DJ can act on: browsers give
// getUserMedia (and WebCodecs, AudioWorklet) only to secure contexts — https:// pages, or
// http://localhost / 127.0.0.1 / [::1] on the DJ's own machine. Fed by the page's location and
// window.isSecureContext; feeds the studio's message (studio.ts). Pure: no DOM access here.

export interface PageFacts {
  /** window.isSecureContext */
  isSecureContext: boolean;
  /** navigator.mediaDevices !== undefined */
  hasMediaDevices: boolean;
  /** location.href */
  href: string;
}

/** The sentence for an insecure page, or null when the browser can give the microphone. */
export function insecurePageSentence(page: PageFacts): string | null {
  if (page.isSecureContext && page.hasMediaDevices) return null;
  const url = new URL(page.href);
  const https = new URL(url.href);
  https.protocol = 'https:';
  // On the bridge's own machine the loopback address is a secure context too.
  const local = new URL(url.href);
  local.hostname = 'localhost';
  if (!page.isSecureContext) {
    return `The microphone is unavailable: browsers allow it only on secure pages, and this page was opened over plain ${url.protocol}// (${url.host}). ` +
      `Open the studio over HTTPS (${https.href}), which the station sets up as described in the "HTTPS for the studio" section of Aircheck's README, ` +
      `or, on the machine that runs Aircheck, at ${local.href}.`;
  }
  return 'The microphone is unavailable: this browser offers no microphone access (navigator.mediaDevices is missing). Use a current Chromium or Firefox, and check that no policy blocks the microphone.';
}
