/** Secrets: only ever from environment variables, never from a file that may be committed. */
export interface Secrets {
  /** Bearer token for `/api/*`. When unset, one is generated and kept in `<dataDir>/admin-token`. */
  adminToken?: string;
  /** `LEADBOT_METRICS_TOKEN`: bearer token `/metrics` requires when set. */
  metricsToken?: string;
  /** `LEADBOT_REST_TOKEN`: bearer token `POST /webhooks/rest` requires (every tenant). */
  restToken?: string;
  /** `LEADBOT_LLM_KEYS`: comma-separated secrets or `name=secret` pairs. */
  llmKeys?: string;
  /** `LEADBOT_CRM_WEBHOOK_SECRET`: HMAC key for the CRM webhook signature. */
  crmWebhookSecret?: string;
  /** `LEADBOT_TELEGRAM_TOKEN`: the bot token from @BotFather. */
  telegramToken?: string;
  /** `LEADBOT_TELEGRAM_WEBHOOK_SECRET`: webhook mode with this `secret_token` (polling otherwise). */
  telegramWebhookSecret?: string;
  /** `LEADBOT_WHATSAPP_TOKEN`: Graph API access token. */
  whatsappToken?: string;
  /** `LEADBOT_WHATSAPP_PHONE_NUMBER_ID`: the business phone number id replies are sent from. */
  whatsappPhoneNumberId?: string;
  /** `LEADBOT_WHATSAPP_APP_SECRET`: the Meta app secret that signs webhooks (X-Hub-Signature-256). */
  whatsappAppSecret?: string;
  /** `LEADBOT_WHATSAPP_VERIFY_TOKEN`: the token Meta sends back when the webhook is verified. */
  whatsappVerifyToken?: string;
  /** `LEADBOT_TWILIO_ACCOUNT_SID`. */
  twilioAccountSid?: string;
  /** `LEADBOT_TWILIO_AUTH_TOKEN`: signs webhooks and authenticates REST calls. */
  twilioAuthToken?: string;
  /** `LEADBOT_TWILIO_WHATSAPP_NUMBER`: the sender, e.g. `whatsapp:+14155238886`. */
  twilioWhatsappNumber?: string;
}
