/**
 * Lead forms (../shared/reference/ads-catalogs.md §8): created and updated in
 * batches of 1..30, each item checked alone and answered `{data, exceptions}`.
 * The ads' shared entity mechanism (ads/entity.ts) is not used: a lead form's list
 * has no `entity_statuses` (DRAFT forms are listed too), its statuses are DRAFT and
 * ACTIVE only, and its get is the spec's `lead_form/get`.
 */
import type { ItemException } from '../ads/entity.js';

export const QUESTION_TYPES = [
  'CUSTOM', 'FULL_NAME', 'FIRST_NAME', 'LAST_NAME', 'EMAIL', 'PHONE_NUMBER', 'ZIP_CODE', 'GENDER', 'CITY', 'COUNTRY',
  'STATE_PROVINCE', 'ADDRESS', 'DATE_OF_BIRTH', 'AGE',
] as const;
const FIELD_TYPES = ['TEXT_FIELD', 'TEXT_AREA', 'RADIO_LIST', 'CHECKBOX'];
const FORM_FIELDS = ['name', 'status', 'questions', 'privacy_policy_link', 'has_accepted_terms', 'completion_message', 'disclosure_language', 'policy_links'] as const;
/** Pinterest: what a new form must give. */
const REQUIRED = ['name', 'questions', 'privacy_policy_link', 'has_accepted_terms', 'completion_message'] as const;

export interface LeadQuestion {
  question_type: (typeof QUESTION_TYPES)[number];
  custom_question_field_type?: string | null;
  custom_question_label?: string | null;
  custom_question_options?: string[] | null;
}

/** A form's fields as stored and answered. */
export interface LeadForm {
  name: string;
  status: 'DRAFT' | 'ACTIVE';
  questions: LeadQuestion[];
  privacy_policy_link: string;
  has_accepted_terms: boolean;
  completion_message: string;
  disclosure_language: string | null;
  policy_links: { label: string; link: string }[];
}

/** pinbox: Pinterest documents no codes for a bad lead form item; 1 is its parameter code. */
const refusal = (field: string, problem: string): ItemException => ({ code: 1, message: `Invalid parameters: '${field}' ${problem}.` });

const isHttpUrl = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * Checks one item over `current` (null for a create): the form it makes, or why not.
 * pinbox: an ACTIVE form's questions no longer change (leads already answered them).
 */
export function checkForm(item: Record<string, unknown>, current: LeadForm | null): { form: LeadForm } | { exception: ItemException } {
  for (const field of Object.keys(item)) {
    if (field !== 'id' && !(FORM_FIELDS as readonly string[]).includes(field)) return { exception: refusal(field, 'is not an allowed field') };
  }
  if (!current) for (const field of REQUIRED) if (item[field] === undefined || item[field] === null) return { exception: refusal(field, 'is required') };
  const merged = { disclosure_language: null, policy_links: [], status: 'DRAFT', ...(current ?? {}), ...Object.fromEntries(Object.entries(item).filter(([k, v]) => k !== 'id' && v !== undefined)) } as Record<string, unknown>;
  if (typeof merged.name !== 'string' || merged.name.trim() === '' || merged.name.length > 255) return { exception: refusal('name', 'must be 1 to 255 characters') };
  if (merged.status !== 'DRAFT' && merged.status !== 'ACTIVE') return { exception: refusal('status', 'must be DRAFT or ACTIVE') };
  if (merged.has_accepted_terms !== true) return { exception: refusal('has_accepted_terms', 'must be true: the lead ads terms must be accepted') };
  if (!isHttpUrl(merged.privacy_policy_link)) return { exception: refusal('privacy_policy_link', 'must be an http or https URL') };
  if (typeof merged.completion_message !== 'string' || merged.completion_message.trim() === '') return { exception: refusal('completion_message', 'must not be empty') };
  if (merged.disclosure_language !== null && typeof merged.disclosure_language !== 'string') return { exception: refusal('disclosure_language', 'must be a string') };
  const links = merged.policy_links;
  if (!Array.isArray(links) || links.length > 3) return { exception: refusal('policy_links', 'must be a list of at most 3 links') };
  for (const [i, link] of links.entries()) {
    if (typeof link !== 'object' || link === null || typeof link.label !== 'string' || !isHttpUrl(link.link)) return { exception: refusal(`policy_links[${i}]`, 'must have a label and an http or https link') };
  }
  const questions = merged.questions;
  if (!Array.isArray(questions) || questions.length < 1 || questions.length > 10) return { exception: refusal('questions', 'must hold 1 to 10 questions') };
  const seen = new Set<string>();
  for (const [i, q] of questions.entries()) {
    const at = `questions[${i}]`;
    if (typeof q !== 'object' || q === null) return { exception: refusal(at, 'must be an object') };
    const question = q as Record<string, unknown>;
    if (!(QUESTION_TYPES as readonly string[]).includes(question.question_type as string)) return { exception: refusal(`${at}.question_type`, `must be one of ${QUESTION_TYPES.join(', ')}`) };
    if (question.question_type === 'CUSTOM') {
      if (typeof question.custom_question_label !== 'string' || question.custom_question_label.trim() === '') return { exception: refusal(`${at}.custom_question_label`, 'is required for a CUSTOM question') };
      if (!FIELD_TYPES.includes(question.custom_question_field_type as string)) return { exception: refusal(`${at}.custom_question_field_type`, `must be one of ${FIELD_TYPES.join(', ')} for a CUSTOM question`) };
      const options = question.custom_question_options;
      const choice = question.custom_question_field_type === 'RADIO_LIST' || question.custom_question_field_type === 'CHECKBOX';
      if (choice && (!Array.isArray(options) || options.length < 1 || options.length > 5 || options.some((o) => typeof o !== 'string' || o.trim() === ''))) {
        return { exception: refusal(`${at}.custom_question_options`, 'must hold 1 to 5 options for a RADIO_LIST or CHECKBOX question') };
      }
    } else if (seen.has(question.question_type as string)) return { exception: refusal(`${at}.question_type`, `asks ${String(question.question_type)} twice`) };
    seen.add(question.question_type as string);
  }
  if (current && current.status === 'ACTIVE' && item.questions !== undefined && JSON.stringify(item.questions) !== JSON.stringify(current.questions)) {
    return { exception: refusal('questions', 'cannot change once the form is ACTIVE') };
  }
  const form: LeadForm = {
    name: (merged.name as string).trim(),
    status: merged.status as LeadForm['status'],
    questions: questions as LeadQuestion[],
    privacy_policy_link: merged.privacy_policy_link as string,
    has_accepted_terms: true,
    completion_message: merged.completion_message as string,
    disclosure_language: (merged.disclosure_language as string | null) ?? null,
    policy_links: links as LeadForm['policy_links'],
  };
  return { form };
}

/** The label a question is delivered and exported under. */
export function questionLabel(question: LeadQuestion): string {
  return question.question_type === 'CUSTOM' ? String(question.custom_question_label) : question.question_type;
}
