import posthog from 'posthog-js';

// Project API key: public by design, it ships to every browser.
posthog.init('phc_ubWIu3nVgICtja2esfqJgqf5qbvoYVXV5nhOpGcOX14', {
  api_host: 'https://us.i.posthog.com',
  person_profiles: 'identified_only',
  capture_pageview: false,
});

export function trackExport(format, rows) {
  posthog.capture('export_started', { format, rows });
}
