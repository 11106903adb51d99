CREATE TABLE "oauth2_access_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"provider_id" integer NOT NULL,
	"user_id" integer,
	"scope" text[] NOT NULL,
	"claims" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"auth_code_id" uuid,
	"family_id" uuid,
	"expires" timestamp with time zone NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oauth2_access_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "oauth2_authorization_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code_hash" text NOT NULL,
	"provider_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"redirect_uri" text NOT NULL,
	"scope" text[] NOT NULL,
	"nonce" text,
	"code_challenge" text,
	"code_challenge_method" text,
	"auth_time" timestamp with time zone NOT NULL,
	"session_id" text,
	"expires" timestamp with time zone NOT NULL,
	"used" boolean DEFAULT false NOT NULL,
	CONSTRAINT "oauth2_authorization_codes_code_hash_unique" UNIQUE("code_hash")
);
--> statement-breakpoint
CREATE TABLE "oauth2_refresh_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"provider_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"scope" text[] NOT NULL,
	"family_id" uuid NOT NULL,
	"auth_code_id" uuid,
	"id_token_context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires" timestamp with time zone NOT NULL,
	"used" boolean DEFAULT false NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oauth2_refresh_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "certificate_key_pairs" ADD COLUMN "public_jwk" jsonb;--> statement-breakpoint
ALTER TABLE "certificate_key_pairs" ADD COLUMN "kid" text;--> statement-breakpoint
ALTER TABLE "oauth2_access_tokens" ADD CONSTRAINT "oauth2_access_tokens_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_access_tokens" ADD CONSTRAINT "oauth2_access_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_authorization_codes" ADD CONSTRAINT "oauth2_authorization_codes_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_authorization_codes" ADD CONSTRAINT "oauth2_authorization_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_refresh_tokens" ADD CONSTRAINT "oauth2_refresh_tokens_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_refresh_tokens" ADD CONSTRAINT "oauth2_refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oauth2_access_tokens_code_idx" ON "oauth2_access_tokens" USING btree ("auth_code_id");--> statement-breakpoint
CREATE INDEX "oauth2_access_tokens_family_idx" ON "oauth2_access_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "oauth2_access_tokens_expires_idx" ON "oauth2_access_tokens" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "oauth2_codes_expires_idx" ON "oauth2_authorization_codes" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "oauth2_refresh_tokens_family_idx" ON "oauth2_refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "oauth2_refresh_tokens_code_idx" ON "oauth2_refresh_tokens" USING btree ("auth_code_id");--> statement-breakpoint
CREATE INDEX "oauth2_refresh_tokens_expires_idx" ON "oauth2_refresh_tokens" USING btree ("expires");--> statement-breakpoint
ALTER TABLE "certificate_key_pairs" ADD CONSTRAINT "certificate_key_pairs_kid_unique" UNIQUE("kid");