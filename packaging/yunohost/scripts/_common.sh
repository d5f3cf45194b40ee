#!/bin/bash
# Portée's own part of the YunoHost scripts: what Portée needs, apart from
# what YunoHost's helpers do. It only uses bash and the portee binary, so the
# project's tests run it against a temporary directory.

# portee_write_config writes the node's settings and, on a first install,
# its hoster file. Arguments: install dir, data dir, domain, port, username,
# hoster name.
portee_write_config() {
	local install_dir=$1 data_dir=$2 domain=$3 port=$4 username=$5 hoster_name=$6
	local env_file=$install_dir/portee.env
	(
		umask 077
		cat >"$env_file" <<CONF
# Written by the YunoHost app; edit with \`yunohost app setting\` and upgrade.
PORTEE_BASE_URL=https://$domain
PORTEE_LISTEN=127.0.0.1:$port
PORTEE_DATA=$data_dir
PORTEE_HOSTER_FILE=$data_dir/hoster.yaml
PORTEE_LOG_LEVEL=info
CONF
	)
	if [[ ! -f $data_dir/hoster.yaml ]]; then
		# YAML double-quoted scalars: escape backslashes and quotes.
		local name=${hoster_name//\\/\\\\}
		name=${name//\"/\\\"}
		(
			umask 077
			cat >"$data_dir/hoster.yaml" <<YAML
# Fichier hébergeur Portée : qui vous êtes, vos services, vos réponses à la
# charte. Modifiez-le ici ou depuis https://$domain/gestion.
username: $username
name: "$name"
website: https://$domain
offers: []
YAML
		)
	fi
}

# portee_setup applies the database migrations and creates the first
# administrator, whose password is read from the environment variable
# PORTEE_ADMIN_PASSWORD (never from the command line, which other users see).
# Arguments: install dir, admin e-mail.
portee_setup() {
	local install_dir=$1 email=$2
	# shellcheck disable=SC1091 # written by portee_write_config
	(
		set -a
		. "$install_dir/portee.env"
		set +a
		"$install_dir/portee" migrate
		printf '%s\n' "$PORTEE_ADMIN_PASSWORD" | "$install_dir/portee" user add --role admin "$email"
	)
}
