// Webhooks: events stored as durable jobs and delivered signed, with retries (see webhook-deliveries.ts).
export { type RetrySchedule, retryAfterMs, retryDelayMs, verdictOf } from './retry-schedule.js';
export { WebhookDeliveries, type WebhookTarget } from './webhook-deliveries.js';
export { WEBHOOK_JOB, type WebhookPayload } from './webhook-jobs.js';
export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.js';
