-- When a contact copy last sent each status, in place of the one last status sent. The web
-- shop keeps only the newest call; a stamp it holds is ours if it carries a status we sent
-- and falls where that send could have landed. Remembering only the last send mistook an
-- earlier send that landed (its answer lost) for the customer's own choice once a later send
-- of the other status failed before it landed.
ALTER TABLE contact_copy ADD COLUMN sent_subscribed_at timestamptz;
ALTER TABLE contact_copy ADD COLUMN sent_unsubscribed_at timestamptz;
UPDATE contact_copy SET sent_subscribed_at = sent_at WHERE sent_status = 'SUBSCRIBED';
UPDATE contact_copy SET sent_unsubscribed_at = sent_at WHERE sent_status = 'UNSUBSCRIBED';
ALTER TABLE contact_copy DROP COLUMN sent_status;
ALTER TABLE contact_copy DROP COLUMN sent_at;
