CREATE TABLE "invitations" (
	"invite_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"flow_id" uuid,
	"expiring" boolean DEFAULT true NOT NULL,
	"expires" timestamp with time zone,
	"fixed_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"single_use" boolean DEFAULT false NOT NULL,
	"created_by_id" integer,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invitations_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "user_consents" (
	"consent_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" integer NOT NULL,
	"application_id" uuid NOT NULL,
	"permissions" text DEFAULT '' NOT NULL,
	"expiring" boolean DEFAULT true NOT NULL,
	"expires" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_flow_id_flows_flow_uuid_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_consents" ADD CONSTRAINT "user_consents_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_consents" ADD CONSTRAINT "user_consents_application_id_applications_pbm_uuid_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("pbm_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invitations_expires_idx" ON "invitations" USING btree ("expires");--> statement-breakpoint
CREATE UNIQUE INDEX "user_consents_user_application_key" ON "user_consents" USING btree ("user_id","application_id");