-- A second number a system holds for the person (loyalty: the mobile for texts, beside the
-- number given at enrolment). Compared by the rules like the first one.
ALTER TABLE source_record ADD COLUMN second_phone text;
CREATE INDEX source_record_second_phone ON source_record (second_phone) WHERE second_phone IS NOT NULL;
