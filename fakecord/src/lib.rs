//! fakecord
