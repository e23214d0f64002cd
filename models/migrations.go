package models

// migrations is the ordered schema history. Never edit a released step: add a new one.
var migrations = []migration{
	{Version: 1, Name: "reference data, accounts, enterprises, audit log", Statements: []string{
		`CREATE TABLE towns (
			id {{id}},
			name TEXT NOT NULL UNIQUE,
			county TEXT NOT NULL,
			city TEXT NOT NULL,
			leading_industry TEXT NOT NULL,
			tier INTEGER NOT NULL CHECK (tier IN (50, 100, 200, 300, 500)),
			lat {{float}} NOT NULL,
			lng {{float}} NOT NULL
		)`,
		`CREATE TABLE occupations (
			id {{id}},
			name TEXT NOT NULL UNIQUE,
			standard_days INTEGER NOT NULL CHECK (standard_days > 0),
			synonyms TEXT NOT NULL DEFAULT '[]'
		)`,
		`CREATE TABLE policy_versions (
			id {{id}},
			code TEXT NOT NULL UNIQUE,
			title TEXT NOT NULL,
			effective_from TEXT NOT NULL,
			effective_to TEXT NOT NULL,
			first_days INTEGER NOT NULL,
			first_day_rate_yuan INTEGER NOT NULL,
			later_day_rate_yuan INTEGER NOT NULL,
			cap_per_person_yuan INTEGER NOT NULL,
			employment_target_percent INTEGER NOT NULL,
			employment_window_days INTEGER NOT NULL,
			onjob_rate_yuan INTEGER NOT NULL,
			subsidize TEXT NOT NULL CHECK (subsidize IN ('completed', 'employed')),
			announcement_days INTEGER NOT NULL,
			created_at {{ts}} NOT NULL,
			CHECK (effective_from <= effective_to)
		)`,
		`CREATE TABLE users (
			id {{id}},
			role TEXT NOT NULL CHECK (role IN ('seeker', 'enterprise', 'provider', 'reviewer')),
			phone TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			demo BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE sessions (
			id {{id}},
			token_hash TEXT NOT NULL UNIQUE,
			csrf_token TEXT NOT NULL,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			expires_at {{ts}} NOT NULL,
			created_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX sessions_user ON sessions (user_id)`,
		`CREATE TABLE enterprises (
			id {{id}},
			user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
			name TEXT NOT NULL,
			uscc TEXT NOT NULL UNIQUE,
			town_id BIGINT REFERENCES towns(id),
			industry TEXT NOT NULL,
			leading_industry BOOLEAN NOT NULL DEFAULT FALSE,
			verified BOOLEAN NOT NULL DEFAULT FALSE,
			verified_at {{ts}},
			verified_by BIGINT REFERENCES users(id),
			demo BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX enterprises_town ON enterprises (town_id)`,
		`CREATE TABLE audit_log (
			id {{id}},
			actor_user_id BIGINT,
			action TEXT NOT NULL,
			entity TEXT NOT NULL,
			entity_id BIGINT NOT NULL,
			at {{ts}} NOT NULL,
			before TEXT,
			after TEXT
		)`,
		`CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)`,
	},
		// The audit log is append-only: the database itself refuses changes and deletions.
		Sqlite: []string{
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
			`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
		},
		Postgres: []string{
			`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
			`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
		},
	},
	{Version: 2, Name: "job postings, search outbox, reports", Statements: []string{
		`CREATE TABLE jobs (
			id {{id}},
			enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
			title TEXT NOT NULL,
			description TEXT NOT NULL,
			occupation TEXT NOT NULL,
			town_id BIGINT NOT NULL REFERENCES towns(id),
			salary_min INTEGER NOT NULL CHECK (salary_min > 0),
			salary_max INTEGER NOT NULL,
			headcount INTEGER NOT NULL CHECK (headcount > 0),
			education TEXT NOT NULL,
			employment_type TEXT NOT NULL CHECK (employment_type IN ('full_time', 'part_time', 'internship', 'seasonal')),
			expires_on TEXT NOT NULL,
			status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'taken_down')),
			demo BOOLEAN NOT NULL DEFAULT FALSE,
			posted_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL,
			closed_at {{ts}},
			CHECK (salary_max >= salary_min)
		)`,
		`CREATE INDEX jobs_enterprise ON jobs (enterprise_id)`,
		`CREATE INDEX jobs_open_newest ON jobs (status, posted_at)`,
		`CREATE TABLE search_outbox (
			id {{id}},
			entity TEXT NOT NULL CHECK (entity IN ('job', 'enterprise', 'program')),
			entity_id BIGINT NOT NULL,
			created_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE job_reports (
			id {{id}},
			job_id BIGINT NOT NULL REFERENCES jobs(id),
			reason TEXT NOT NULL,
			contact TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
			took_down BOOLEAN NOT NULL DEFAULT FALSE,
			resolved_by BIGINT REFERENCES users(id),
			resolved_at {{ts}},
			created_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX job_reports_open ON job_reports (status, created_at)`,
	}},
	{Version: 3, Name: "seekers, applications, saved searches, notifications, fairs", Statements: []string{
		`ALTER TABLE jobs ADD COLUMN views INTEGER NOT NULL DEFAULT 0`,
		`CREATE TABLE seeker_profiles (
			user_id BIGINT PRIMARY KEY REFERENCES users(id),
			desired_occupations TEXT NOT NULL DEFAULT '[]',
			desired_town_ids TEXT NOT NULL DEFAULT '[]',
			expected_salary INTEGER NOT NULL DEFAULT 0,
			education TEXT NOT NULL,
			skills TEXT NOT NULL DEFAULT '[]',
			resume TEXT NOT NULL DEFAULT '',
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE applications (
			id {{id}},
			job_id BIGINT NOT NULL REFERENCES jobs(id),
			seeker_id BIGINT NOT NULL REFERENCES users(id),
			status TEXT NOT NULL CHECK (status IN ('submitted', 'viewed', 'interview', 'offered', 'hired', 'rejected', 'withdrawn')),
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL,
			UNIQUE (job_id, seeker_id)
		)`,
		`CREATE INDEX applications_seeker ON applications (seeker_id)`,
		`CREATE TABLE application_events (
			id {{id}},
			application_id BIGINT NOT NULL REFERENCES applications(id),
			status TEXT NOT NULL,
			actor_user_id BIGINT NOT NULL REFERENCES users(id),
			at {{ts}} NOT NULL
		)`,
		`CREATE INDEX application_events_application ON application_events (application_id)`,
		`CREATE TABLE saved_searches (
			id {{id}},
			user_id BIGINT NOT NULL REFERENCES users(id),
			name TEXT NOT NULL,
			query TEXT NOT NULL,
			feed_token TEXT NOT NULL UNIQUE,
			checked_until BIGINT NOT NULL,
			created_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX saved_searches_user ON saved_searches (user_id)`,
		`CREATE TABLE notifications (
			id {{id}},
			user_id BIGINT NOT NULL REFERENCES users(id),
			saved_search_id BIGINT NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
			job_id BIGINT NOT NULL REFERENCES jobs(id),
			title TEXT NOT NULL,
			created_at {{ts}} NOT NULL,
			read_at {{ts}},
			UNIQUE (saved_search_id, job_id)
		)`,
		`CREATE INDEX notifications_user ON notifications (user_id, read_at)`,
		`CREATE TABLE fairs (
			id {{id}},
			name TEXT NOT NULL,
			organizer_level TEXT NOT NULL CHECK (organizer_level IN ('provincial', 'municipal', 'other')),
			held_on TEXT NOT NULL,
			venue TEXT NOT NULL,
			standard_booth_fee_yuan INTEGER NOT NULL CHECK (standard_booth_fee_yuan >= 0),
			booth_capacity INTEGER NOT NULL CHECK (booth_capacity > 0),
			created_by BIGINT NOT NULL REFERENCES users(id),
			created_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE booths (
			id {{id}},
			fair_id BIGINT NOT NULL REFERENCES fairs(id),
			enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
			fee_yuan INTEGER NOT NULL,
			fee_waived BOOLEAN NOT NULL,
			waiver_basis TEXT NOT NULL,
			created_at {{ts}} NOT NULL,
			UNIQUE (fair_id, enterprise_id)
		)`,
	}},
	{Version: 4, Name: "training providers, programs, enrolments, attendance, employment", Statements: []string{
		`CREATE TABLE providers (
			id {{id}},
			user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
			name TEXT NOT NULL,
			kind TEXT NOT NULL CHECK (kind IN ('university', 'vocational_college', 'technical_school', 'other')),
			uscc TEXT NOT NULL UNIQUE,
			verified BOOLEAN NOT NULL DEFAULT FALSE,
			verified_at {{ts}},
			verified_by BIGINT REFERENCES users(id),
			demo BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE programs (
			id {{id}},
			provider_id BIGINT NOT NULL REFERENCES providers(id),
			name TEXT NOT NULL,
			occupation TEXT NOT NULL,
			mode TEXT NOT NULL CHECK (mode IN ('order', 'project', 'directed')),
			town_id BIGINT NOT NULL REFERENCES towns(id),
			partner_enterprise_id BIGINT REFERENCES enterprises(id),
			start_on TEXT NOT NULL,
			end_on TEXT NOT NULL,
			planned_days INTEGER NOT NULL CHECK (planned_days > 0),
			capacity INTEGER NOT NULL CHECK (capacity > 0),
			status TEXT NOT NULL CHECK (status IN ('pending_approval', 'approved', 'closed')),
			approved_days INTEGER,
			approved_by BIGINT REFERENCES users(id),
			approved_at {{ts}},
			closed_at {{ts}},
			backfiled BOOLEAN NOT NULL DEFAULT FALSE,
			demo BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL,
			CHECK (start_on <= end_on)
		)`,
		`CREATE INDEX programs_provider ON programs (provider_id)`,
		`CREATE TABLE enrolments (
			id {{id}},
			program_id BIGINT NOT NULL REFERENCES programs(id),
			name TEXT NOT NULL,
			id_number_enc TEXT NOT NULL,
			id_number_hash TEXT NOT NULL,
			id_number_masked TEXT NOT NULL,
			phone TEXT NOT NULL DEFAULT '',
			seeker_id BIGINT REFERENCES users(id),
			status TEXT NOT NULL CHECK (status IN ('applied', 'enrolled', 'completed', 'failed', 'withdrawn')),
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL,
			UNIQUE (program_id, id_number_hash)
		)`,
		`CREATE INDEX enrolments_hash ON enrolments (id_number_hash)`,
		`CREATE TABLE attendance (
			program_id BIGINT NOT NULL REFERENCES programs(id),
			enrolment_id BIGINT NOT NULL REFERENCES enrolments(id),
			day TEXT NOT NULL,
			recorded_at {{ts}} NOT NULL,
			PRIMARY KEY (enrolment_id, day)
		)`,
		`CREATE INDEX attendance_program_day ON attendance (program_id, day)`,
		`CREATE TABLE employment_records (
			id {{id}},
			enrolment_id BIGINT NOT NULL UNIQUE REFERENCES enrolments(id),
			employer_name TEXT NOT NULL,
			employer_uscc TEXT NOT NULL DEFAULT '',
			evidence_type TEXT NOT NULL CHECK (evidence_type IN ('agreement', 'certificate')),
			evidence_no TEXT NOT NULL,
			start_on TEXT NOT NULL,
			file_sha256 TEXT NOT NULL DEFAULT '',
			file_type TEXT NOT NULL DEFAULT '',
			file_name TEXT NOT NULL DEFAULT '',
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL
		)`,
	}},
	{Version: 5, Name: "subsidy claims, lines, the no-double-subsidy register, objections", Statements: []string{
		`CREATE TABLE claims (
			id {{id}},
			kind TEXT NOT NULL CHECK (kind IN ('training', 'onjob')),
			program_id BIGINT REFERENCES programs(id),
			provider_id BIGINT REFERENCES providers(id),
			enterprise_id BIGINT REFERENCES enterprises(id),
			town_id BIGINT REFERENCES towns(id),
			policy_version_id BIGINT NOT NULL REFERENCES policy_versions(id),
			title TEXT NOT NULL,
			trained_on TEXT,
			subsidy_year INTEGER NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'paid')),
			people INTEGER NOT NULL,
			total_yuan INTEGER NOT NULL,
			submitted_by BIGINT NOT NULL REFERENCES users(id),
			submitted_at {{ts}} NOT NULL,
			decided_by BIGINT REFERENCES users(id),
			decided_at {{ts}},
			reject_reason TEXT NOT NULL DEFAULT '',
			announced_from TEXT,
			announced_until TEXT,
			paid_by BIGINT REFERENCES users(id),
			paid_at {{ts}},
			payment_ref TEXT NOT NULL DEFAULT ''
		)`,
		// One active (not rejected) claim per program.
		`CREATE UNIQUE INDEX claims_one_active_per_program ON claims (program_id) WHERE status <> 'rejected'`,
		`CREATE INDEX claims_status ON claims (status, submitted_at)`,
		`CREATE TABLE claim_lines (
			id {{id}},
			claim_id BIGINT NOT NULL REFERENCES claims(id),
			enrolment_id BIGINT REFERENCES enrolments(id),
			name TEXT NOT NULL,
			id_number_enc TEXT NOT NULL,
			id_number_masked TEXT NOT NULL,
			person_hash TEXT NOT NULL,
			attended_days INTEGER NOT NULL,
			subsidized_days INTEGER NOT NULL,
			first_days INTEGER NOT NULL,
			first_day_rate_yuan INTEGER NOT NULL,
			later_day_rate_yuan INTEGER NOT NULL,
			cap_per_person_yuan INTEGER NOT NULL,
			rate_yuan INTEGER NOT NULL,
			amount_yuan INTEGER NOT NULL,
			employed BOOLEAN NOT NULL,
			excluded_reason TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX claim_lines_claim ON claim_lines (claim_id)`,
		// The no-double-subsidy register: a person is paid at most once per kind and year.
		// A rejected claim's rows are removed, which frees its people.
		`CREATE TABLE subsidized_people (
			kind TEXT NOT NULL,
			subsidy_year INTEGER NOT NULL,
			person_hash TEXT NOT NULL,
			claim_id BIGINT NOT NULL REFERENCES claims(id),
			PRIMARY KEY (kind, subsidy_year, person_hash)
		)`,
		`CREATE INDEX subsidized_people_claim ON subsidized_people (claim_id)`,
		`CREATE TABLE claim_objections (
			id {{id}},
			claim_id BIGINT NOT NULL REFERENCES claims(id),
			text TEXT NOT NULL,
			contact TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
			resolution_note TEXT NOT NULL DEFAULT '',
			resolved_by BIGINT REFERENCES users(id),
			resolved_at {{ts}},
			created_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX claim_objections_claim ON claim_objections (claim_id, status)`,
		// Lines are a snapshot: the database refuses to change or delete them.
	}, Sqlite: []string{
		`CREATE TRIGGER claim_lines_immutable BEFORE UPDATE ON claim_lines BEGIN SELECT RAISE(ABORT, 'claim lines never change'); END`,
		`CREATE TRIGGER claim_lines_no_delete BEFORE DELETE ON claim_lines BEGIN SELECT RAISE(ABORT, 'claim lines never change'); END`,
	}, Postgres: []string{
		`CREATE FUNCTION claim_lines_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'claim lines never change'; END $$`,
		`CREATE TRIGGER claim_lines_immutable BEFORE UPDATE OR DELETE ON claim_lines FOR EACH ROW EXECUTE FUNCTION claim_lines_immutable()`,
	}},
	{Version: 6, Name: "a fair's booth capacity is optional (no limit when absent)", SqliteRebuild: true, Postgres: []string{
		`ALTER TABLE fairs ALTER COLUMN booth_capacity DROP NOT NULL`,
	}, Sqlite: []string{
		// SQLite cannot drop NOT NULL in place: the table is rebuilt (SqliteRebuild), and the
		// booths' references to "fairs" then name the new table.
		`CREATE TABLE fairs_rebuilt (
			id {{id}},
			name TEXT NOT NULL,
			organizer_level TEXT NOT NULL CHECK (organizer_level IN ('provincial', 'municipal', 'other')),
			held_on TEXT NOT NULL,
			venue TEXT NOT NULL,
			standard_booth_fee_yuan INTEGER NOT NULL CHECK (standard_booth_fee_yuan >= 0),
			booth_capacity INTEGER CHECK (booth_capacity > 0),
			created_by BIGINT NOT NULL REFERENCES users(id),
			created_at {{ts}} NOT NULL
		)`,
		`INSERT INTO fairs_rebuilt SELECT id, name, organizer_level, held_on, venue, standard_booth_fee_yuan, booth_capacity, created_by, created_at FROM fairs`,
		`DROP TABLE fairs`,
		`ALTER TABLE fairs_rebuilt RENAME TO fairs`,
	}},
	{Version: 7, Name: "article 8 integrity: identities, check-ins, social insurance, flags, inspections", Statements: []string{
		`ALTER TABLE policy_versions ADD COLUMN attendance_proof TEXT NOT NULL DEFAULT 'roll' CHECK (attendance_proof IN ('roll', 'checkin'))`,
		`ALTER TABLE policy_versions ADD COLUMN employment_proof TEXT NOT NULL DEFAULT 'evidence' CHECK (employment_proof IN ('evidence', 'social_insurance'))`,
		`ALTER TABLE policy_versions ADD COLUMN retirement_age_male INTEGER NOT NULL DEFAULT 60`,
		`ALTER TABLE policy_versions ADD COLUMN retirement_age_female INTEGER NOT NULL DEFAULT 55`,
		// A seeker's real-name identity (实名): set once, unique across accounts.
		`CREATE TABLE identities (
			user_id BIGINT PRIMARY KEY REFERENCES users(id),
			name TEXT NOT NULL,
			id_number_enc TEXT NOT NULL,
			id_number_hash TEXT NOT NULL UNIQUE,
			id_number_masked TEXT NOT NULL,
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE checkins (
			enrolment_id BIGINT NOT NULL REFERENCES enrolments(id),
			day TEXT NOT NULL,
			program_id BIGINT NOT NULL REFERENCES programs(id),
			checked_in_at {{ts}} NOT NULL,
			PRIMARY KEY (enrolment_id, day)
		)`,
		// Outcomes count days per trainee of a program: both indexes serve that in order.
		`CREATE INDEX checkins_program_enrolment ON checkins (program_id, enrolment_id, day)`,
		`CREATE INDEX attendance_program_enrolment ON attendance (program_id, enrolment_id, day)`,
		`CREATE TABLE si_imports (
			id {{id}},
			file_name TEXT NOT NULL,
			rows INTEGER NOT NULL,
			imported INTEGER NOT NULL,
			bad_rows TEXT NOT NULL DEFAULT '[]',
			from_month TEXT,
			to_month TEXT,
			imported_by BIGINT NOT NULL REFERENCES users(id),
			created_at {{ts}} NOT NULL
		)`,
		// Social-insurance contribution spans (社保缴费记录); the person only as its keyed hash.
		`CREATE TABLE si_records (
			id {{id}},
			import_id BIGINT NOT NULL REFERENCES si_imports(id),
			person_hash TEXT NOT NULL,
			employer_uscc TEXT NOT NULL,
			from_month TEXT NOT NULL,
			to_month TEXT NOT NULL
		)`,
		`CREATE INDEX si_records_person ON si_records (person_hash)`,
		`ALTER TABLE claims ADD COLUMN approve_note TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE inspections (
			id {{id}},
			submitted_from TEXT NOT NULL,
			submitted_to TEXT NOT NULL,
			percent INTEGER NOT NULL,
			seed TEXT NOT NULL,
			population TEXT NOT NULL,
			created_by BIGINT NOT NULL REFERENCES users(id),
			created_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE inspection_claims (
			inspection_id BIGINT NOT NULL REFERENCES inspections(id),
			claim_id BIGINT NOT NULL REFERENCES claims(id),
			result TEXT CHECK (result IN ('passed', 'failed')),
			note TEXT NOT NULL DEFAULT '',
			decided_by BIGINT REFERENCES users(id),
			decided_at {{ts}},
			PRIMARY KEY (inspection_id, claim_id)
		)`,
		`CREATE INDEX inspection_claims_claim ON inspection_claims (claim_id)`,
	},
		// Only active enrolments keep a person off a program a second time: a withdrawn or
		// refused one never blocks. SQLite cannot drop a table constraint, so the table is
		// rebuilt (with foreign keys off for this step, see SqliteRebuild).
		SqliteRebuild: true,
		Sqlite: []string{
			`CREATE TABLE enrolments_v7 (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			program_id BIGINT NOT NULL REFERENCES programs(id),
			name TEXT NOT NULL,
			id_number_enc TEXT NOT NULL,
			id_number_hash TEXT NOT NULL,
			id_number_masked TEXT NOT NULL,
			phone TEXT NOT NULL DEFAULT '',
			seeker_id BIGINT REFERENCES users(id),
			status TEXT NOT NULL CHECK (status IN ('applied', 'enrolled', 'completed', 'failed', 'withdrawn')),
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL
		)`,
			`INSERT INTO enrolments_v7 (id, program_id, name, id_number_enc, id_number_hash, id_number_masked, phone, seeker_id, status, created_at, updated_at)
			SELECT id, program_id, name, id_number_enc, id_number_hash, id_number_masked, phone, seeker_id, status, created_at, updated_at FROM enrolments`,
			`DROP TABLE enrolments`,
			`ALTER TABLE enrolments_v7 RENAME TO enrolments`,
			`CREATE INDEX enrolments_hash ON enrolments (id_number_hash)`,
			`CREATE UNIQUE INDEX enrolments_one_active ON enrolments (program_id, id_number_hash) WHERE status <> 'withdrawn'`,
		},
		Postgres: []string{
			`ALTER TABLE enrolments DROP CONSTRAINT enrolments_program_id_id_number_hash_key`,
			`CREATE UNIQUE INDEX enrolments_one_active ON enrolments (program_id, id_number_hash) WHERE status <> 'withdrawn'`,
		},
	},
	{Version: 8, Name: "search nodes: outbox lanes and a position per node, job leases, evidence files in the database", Statements: []string{
		// Lane 0 holds changes made through the API, lane 1 bulk imports, so an API change
		// never waits behind an import.
		`ALTER TABLE search_outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX search_outbox_lane ON search_outbox (lane, id)`,
		// Every Meilisearch node keeps its own position in each lane of the outbox.
		`CREATE TABLE search_cursors (
			node TEXT NOT NULL,
			lane INTEGER NOT NULL,
			position BIGINT NOT NULL,
			updated_at {{ts}} NOT NULL,
			PRIMARY KEY (node, lane)
		)`,
		// A lease lets one process of many run a periodic job (saved-search alerts, sweeps).
		`CREATE TABLE job_leases (
			name TEXT PRIMARY KEY,
			holder TEXT NOT NULL,
			expires_ms BIGINT NOT NULL
		)`,
	}, Sqlite: []string{
		`CREATE TABLE stored_files (sha256 TEXT PRIMARY KEY, type TEXT NOT NULL, size BIGINT NOT NULL, content BLOB NOT NULL, created_at DATETIME NOT NULL)`,
	}, Postgres: []string{
		`CREATE TABLE stored_files (sha256 TEXT PRIMARY KEY, type TEXT NOT NULL, size BIGINT NOT NULL, content BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL)`,
	}},
	{Version: 9, Name: "a check-in records the device (browser) it came from, for the shared_checkin_device flag", Statements: []string{
		`ALTER TABLE checkins ADD COLUMN device TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX checkins_program_device ON checkins (program_id, device)`,
	}},
}
