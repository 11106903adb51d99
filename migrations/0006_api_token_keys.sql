CREATE TABLE "token_keys" (
	"token_id" uuid PRIMARY KEY NOT NULL,
	"key_wrapped" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "token_keys" ADD CONSTRAINT "token_keys_token_id_tokens_token_uuid_fk" FOREIGN KEY ("token_id") REFERENCES "public"."tokens"("token_uuid") ON DELETE cascade ON UPDATE no action;