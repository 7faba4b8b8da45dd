/**
 * A URL of the app: an absolute URL as given, else the path under the app's base URL with the
 * base's own path kept (`http://h/ivr` + `/voice/incoming`), as Twilio calls a configured URL.
 */
export const appUrl = (appBaseUrl: string, path: string): string =>
  /^https?:\/\//.test(path) ? path : `${appBaseUrl.replace(/\/+$/, '')}${path}`;
