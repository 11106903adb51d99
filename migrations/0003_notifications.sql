CREATE TYPE "public"."notification_delivery_status" AS ENUM('pending', 'delivered', 'failed', 'dead');--> statement-breakpoint
CREATE TYPE "public"."notification_severity" AS ENUM('notice', 'warning', 'alert');--> statement-breakpoint
CREATE TYPE "public"."notification_transport_mode" AS ENUM('local', 'webhook', 'webhook_slack', 'email');--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"transport_id" uuid NOT NULL,
	"user_id" integer,
	"rule_id" uuid,
	"severity" "notification_severity" NOT NULL,
	"status" "notification_delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"locked_until" timestamp with time zone,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notification_rule_transports" (
	"rule_id" uuid NOT NULL,
	"transport_id" uuid NOT NULL,
	CONSTRAINT "notification_rule_transports_rule_id_transport_id_pk" PRIMARY KEY("rule_id","transport_id")
);
--> statement-breakpoint
CREATE TABLE "notification_rules" (
	"pbm_uuid" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"severity" "notification_severity" DEFAULT 'notice' NOT NULL,
	"destination_group_id" uuid,
	"destination_event_user" boolean DEFAULT false NOT NULL,
	CONSTRAINT "notification_rules_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "notification_transports" (
	"transport_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"mode" "notification_transport_mode" DEFAULT 'local' NOT NULL,
	"webhook_url" text DEFAULT '' NOT NULL,
	"webhook_headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"webhook_secret" text,
	"send_once" boolean DEFAULT false NOT NULL,
	CONSTRAINT "notification_transports_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" integer NOT NULL,
	"severity" "notification_severity" NOT NULL,
	"body" text NOT NULL,
	"event_id" uuid,
	"seen" boolean DEFAULT false NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_transport_id_notification_transports_transport_uuid_fk" FOREIGN KEY ("transport_id") REFERENCES "public"."notification_transports"("transport_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_rule_id_notification_rules_pbm_uuid_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."notification_rules"("pbm_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rule_transports" ADD CONSTRAINT "notification_rule_transports_rule_id_notification_rules_pbm_uuid_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."notification_rules"("pbm_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rule_transports" ADD CONSTRAINT "notification_rule_transports_transport_id_notification_transports_transport_uuid_fk" FOREIGN KEY ("transport_id") REFERENCES "public"."notification_transports"("transport_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rules" ADD CONSTRAINT "notification_rules_pbm_uuid_policy_binding_models_pbm_uuid_fk" FOREIGN KEY ("pbm_uuid") REFERENCES "public"."policy_binding_models"("pbm_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rules" ADD CONSTRAINT "notification_rules_destination_group_id_groups_group_uuid_fk" FOREIGN KEY ("destination_group_id") REFERENCES "public"."groups"("group_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_event_transport_user_uq" ON "notification_deliveries" USING btree ("event_id","transport_id",coalesce("user_id", 0));--> statement-breakpoint
CREATE INDEX "notification_deliveries_created_idx" ON "notification_deliveries" USING btree ("created");--> statement-breakpoint
CREATE INDEX "notifications_user_created_idx" ON "notifications" USING btree ("user_id","created");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_event_user_uq" ON "notifications" USING btree ("event_id","user_id");