CREATE TABLE `oidc_login_attempts` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`browser_hash` text NOT NULL,
	`provider_id` text NOT NULL,
	`nonce` text NOT NULL,
	`code_verifier` text NOT NULL,
	`organization` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `oidc_sessions` (
	`session_id_hash` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`verified_org_ids` text NOT NULL,
	`id_token_ciphertext` text,
	`id_token_key_id` text,
	FOREIGN KEY (`session_id_hash`) REFERENCES `sessions`(`id_hash`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
DROP INDEX `users_email_unique`;--> statement-breakpoint
ALTER TABLE `users` ADD `issuer` text;--> statement-breakpoint
ALTER TABLE `users` ADD `subject` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_issuer_subject_unique` ON `users` (`issuer`,`subject`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_local_email_unique` ON `users` (`email`) WHERE issuer IS NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `source` text DEFAULT 'operator' NOT NULL;