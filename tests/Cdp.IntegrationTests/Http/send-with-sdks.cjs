// Sends identify, page, track, group and alias calls through the official Segment and RudderStack Node SDKs,
// pointed at a Cdp HTTP API, and flushes them. Run by TrackingSdkTests with NODE_PATH set to the pinned SDKs
// in .tools/tracking-sdks. Arguments: <base url> <write key> <user id prefix>. Exits non-zero on any error.
'use strict';

const { Analytics } = require('@segment/analytics-node');
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');

const [baseUrl, writeKey, prefix] = process.argv.slice(2);

function calls(client, who) {
    const userId = `${prefix}-${who}`;
    const anonymousId = `${prefix}-${who}-anon`;
    client.page({ anonymousId, name: 'Pricing', properties: { path: '/pricing' } });
    client.identify({ userId, anonymousId, traits: { email: `${userId}@example.com`, plan: 'pro', sdk: who } });
    client.track({ userId, event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5 } });
    client.group({ userId, groupId: `${who}-account`, traits: { industry: 'rockets' } });
    client.alias({ userId, previousId: `${prefix}-${who}-old` });
}

async function segment() {
    const analytics = new Analytics({ writeKey, host: baseUrl, maxRetries: 0, flushInterval: 60000 });
    const errors = [];
    analytics.on('error', (error) => errors.push(error));
    calls(analytics, 'segment');
    await analytics.closeAndFlush({ timeout: 20000 });
    if (errors.length > 0) {
        throw new Error('Segment SDK: ' + errors.map((e) => JSON.stringify(e.reason?.message ?? e)).join('; '));
    }
}

async function rudderstack() {
    const errors = [];
    const client = new RudderAnalytics(writeKey, {
        dataPlaneUrl: baseUrl,
        flushAt: 100,
        flushInterval: 60000,
        retryCount: 0,
        logLevel: 'error',
        errorHandler: (error) => errors.push(error),
    });
    calls(client, 'rudderstack');
    await new Promise((resolve, reject) => client.flush((error) => (error ? reject(error) : resolve())));
    if (errors.length > 0) {
        throw new Error('RudderStack SDK: ' + errors.map((e) => e.message ?? String(e)).join('; '));
    }
}

(async () => {
    await segment();
    await rudderstack();
    console.log('sent');
})().catch((error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
});
