ALTER TABLE "oauth2_authorization_codes" ADD COLUMN "dpop_jkt" text;--> statement-breakpoint
ALTER TABLE "oauth2_authorization_codes" ADD COLUMN "resource" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth2_refresh_tokens" ADD COLUMN "dpop_jkt" text;--> statement-breakpoint
ALTER TABLE "oauth2_refresh_tokens" ADD COLUMN "resource" text[] DEFAULT '{}' NOT NULL;