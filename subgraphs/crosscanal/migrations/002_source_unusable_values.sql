-- Values each system holds that cannot be used (a phone that is no phone number), as counted
-- by the last full read of that system: the data-quality report shows them.
ALTER TABLE sync_source ADD COLUMN unusable_values integer;
