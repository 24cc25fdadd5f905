CREATE TABLE `storage_accounts` (
	`org_id` text PRIMARY KEY NOT NULL,
	`name_part` text NOT NULL,
	`access_key_id` text,
	`secret_ciphertext` text,
	`secret_key_id` text,
	`created_at` integer NOT NULL,
	`rotated_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `storage_accounts_name_part_unique` ON `storage_accounts` (`name_part`);--> statement-breakpoint
CREATE TABLE `storage_buckets` (
	`org_id` text NOT NULL,
	`bucket` text NOT NULL,
	`physical_name` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `bucket`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `storage_buckets_physical_name_unique` ON `storage_buckets` (`physical_name`);