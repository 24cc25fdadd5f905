ALTER TABLE `credentials` ADD `lifetime_ms` integer DEFAULT 86400000 NOT NULL;--> statement-breakpoint
ALTER TABLE `credentials` ADD `access` text DEFAULT 'read-write' NOT NULL;--> statement-breakpoint
ALTER TABLE `credentials` ADD `scope_buckets` text;